// Queries over the checked graph.
#include "compiler/ir/Graph.h"

#include "compiler/ir/OpDef.h"

namespace cnnc::ir {

SourceLocation Node::attrLoc(const std::string &attr) const {
  auto it = attrValueLocs.find(attr);
  return it == attrValueLocs.end() ? opLoc : it->second;
}

std::optional<NodeId> Graph::find(const std::string &nodeName) const {
  for (NodeId id = 0; id < nodes.size(); ++id)
    if (nodes[id].name == nodeName)
      return id;
  return std::nullopt;
}

std::vector<std::vector<NodeId>> Graph::users() const {
  std::vector<std::vector<NodeId>> result(nodes.size());
  for (NodeId id = 0; id < nodes.size(); ++id)
    for (NodeId operand : nodes[id].operands)
      result[operand].push_back(id);
  return result;
}

std::vector<Shape> operandShapes(const Graph &graph, const Node &node) {
  std::vector<Shape> shapes;
  for (NodeId operand : node.operands)
    shapes.push_back(graph.nodes[operand].shape);
  return shapes;
}

std::vector<NamedWeight> graphWeights(const Graph &graph) {
  std::vector<NamedWeight> result;
  for (NodeId id = 0; id < graph.nodes.size(); ++id) {
    const Node &node = graph.nodes[id];
    if (node.isInput() || !node.op->weights)
      continue;
    for (WeightSpec &spec : node.op->weights(node, operandShapes(graph, node)))
      result.push_back({node.name + "." + spec.suffix, id, std::move(spec)});
  }
  return result;
}

} // namespace cnnc::ir
