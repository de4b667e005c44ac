// Costs summed from the OpDefs.
#include "compiler/ir/Cost.h"

#include "compiler/ir/OpDef.h"

namespace cnnc::ir {

int64_t nodeParameters(const Graph &graph, const Node &node) {
  if (node.isInput() || !node.op->weights)
    return 0;
  int64_t total = 0;
  for (const WeightSpec &spec : node.op->weights(node, operandShapes(graph, node)))
    total += elementCount(spec.shape).value_or(0);
  return total;
}

int64_t nodeFlops(const Graph &graph, const Node &node) {
  return node.isInput() ? 0 : node.op->flops(node, operandShapes(graph, node));
}

int64_t nodeOutputBytes(const Node &node) {
  return static_cast<int64_t>(sizeof(float)) * elementCount(node.shape).value_or(0);
}

int64_t graphFlops(const Graph &graph) {
  int64_t total = 0;
  for (const Node &node : graph.nodes)
    total += nodeFlops(graph, node);
  return total;
}

int64_t graphParameters(const Graph &graph) {
  int64_t total = 0;
  for (const Node &node : graph.nodes)
    total += nodeParameters(graph, node);
  return total;
}

} // namespace cnnc::ir
