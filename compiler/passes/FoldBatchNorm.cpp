// The batch-norm folding plan.
#include "compiler/passes/FoldBatchNorm.h"

#include "compiler/ir/OpDef.h"

#include <algorithm>

namespace cnnc::passes {

using namespace ir;

std::vector<std::optional<NodeId>> planBatchNormFolds(const Graph &graph) {
  std::vector<std::optional<NodeId>> foldsInto(graph.nodes.size());
  const std::vector<std::vector<NodeId>> users = graph.users();
  for (NodeId id = 0; id < graph.nodes.size(); ++id) {
    const Node &node = graph.nodes[id];
    if (node.isInput() || !node.op->channelAffine)
      continue;
    const NodeId producer = node.operands[0];
    const Node &source = graph.nodes[producer];
    const bool isOutput =
        std::find(graph.outputs.begin(), graph.outputs.end(), producer) != graph.outputs.end();
    if (!source.isInput() && source.op->absorbsChannelAffine && users[producer].size() == 1 &&
        !isOutput && !foldsInto[producer])
      foldsInto[id] = producer;
  }
  return foldsInto;
}

} // namespace cnnc::passes
