// The honest baseline: each layer materialized, each stage still vectorized and
// parallel, so fused-vs-unfused measures fusion and nothing else.
#include "compiler/schedule/Unfused.h"

#include "compiler/ir/Cost.h"
#include "compiler/schedule/StageSchedule.h"

namespace cnnc::schedule {

std::vector<std::string> scheduleUnfused(const ir::Graph &graph, lower::LoweredNetwork &network,
                                         const Halide::Target &target) {
  std::vector<std::string> decisions;
  for (ir::NodeId id = 0; id < graph.nodes.size(); ++id) {
    const ir::Node &node = graph.nodes[id];
    if (node.isInput() || network.foldedAway[id])
      continue;
    const lower::LoweredTensor &lowered = network.nodeFuncs[id];
    std::string loops;
    scheduleStoredStage({lowered.func, lowered.accumulator, lowered.windowInput,
                         4 * ir::nodeParameters(graph, node), lowered.channelBlock,
                         lowered.windowInputPerChannel, lowered.paddingTapsSkipped},
                        node.shape, tilingFor(node.shape, target, /*rowsPerTile=*/0), &loops);
    decisions.push_back(node.name + ": stored in its own buffer; " + loops);
  }
  scheduleOutputs(graph, network);
  return decisions;
}

} // namespace cnnc::schedule
