// Evaluates the graph node by node, freeing each activation after its last use.
#include "compiler/eval/Reference.h"

#include "compiler/ir/OpDef.h"
#include "compiler/ir/RefTensor.h"

namespace cnnc::ir {
RefTensor::RefTensor(Shape s) : shape(std::move(s)) {
  data.assign(static_cast<size_t>(elementCount(shape).value_or(0)), 0.0);
}
} // namespace cnnc::ir

namespace cnnc::eval {

using namespace ir;

namespace {

RefTensor toDouble(const rt::Tensor &tensor) {
  RefTensor result(tensor.shape);
  for (size_t i = 0; i < tensor.data.size(); ++i)
    result.data[i] = tensor.data[i];
  return result;
}

rt::Tensor toFloat(const RefTensor &tensor) {
  rt::Tensor result;
  result.shape = tensor.shape;
  result.data.assign(tensor.data.begin(), tensor.data.end());
  return result;
}

/// For each node, the index of the last node that reads it (or itself).
std::vector<NodeId> lastUses(const Graph &graph) {
  std::vector<NodeId> last(graph.nodes.size());
  for (NodeId id = 0; id < graph.nodes.size(); ++id) {
    last[id] = id;
    for (NodeId operand : graph.nodes[id].operands)
      last[operand] = id;
  }
  return last;
}

} // namespace

TensorMap evaluateReference(const Graph &graph, const TensorMap &weights, const TensorMap &inputs) {
  std::vector<RefTensor> values(graph.nodes.size());
  std::vector<bool> isOutput(graph.nodes.size());
  for (NodeId id : graph.outputs)
    isOutput[id] = true;
  const std::vector<NodeId> last = lastUses(graph);
  for (NodeId id = 0; id < graph.nodes.size(); ++id) {
    const Node &node = graph.nodes[id];
    if (node.isInput()) {
      values[id] = toDouble(inputs.at(node.name));
      continue;
    }
    std::vector<RefTensor> layerWeights;
    if (node.op->weights)
      for (const WeightSpec &spec : node.op->weights(node, operandShapes(graph, node)))
        layerWeights.push_back(toDouble(weights.at(node.name + "." + spec.suffix)));
    std::vector<const RefTensor *> inputPtrs, weightPtrs;
    for (NodeId operand : node.operands)
      inputPtrs.push_back(&values[operand]);
    for (const RefTensor &weight : layerWeights)
      weightPtrs.push_back(&weight);
    values[id] = RefTensor(node.shape);
    node.op->reference({node, inputPtrs, weightPtrs, values[id]});
    for (NodeId operand : node.operands)
      if (last[operand] == id && !isOutput[operand])
        values[operand] = RefTensor();
  }
  TensorMap outputs;
  for (NodeId id : graph.outputs)
    outputs[graph.nodes[id].name] = toFloat(values[id]);
  return outputs;
}

} // namespace cnnc::eval
