// Fusion decisions (planFusion) and their translation into Halide schedules.
#include "compiler/schedule/Fused.h"

#include "compiler/ir/Cost.h"
#include "compiler/ir/OpDef.h"
#include "compiler/lower/LowerHelpers.h"
#include "compiler/schedule/StageSchedule.h"

#include <algorithm>

namespace cnnc::schedule {

using namespace ir;

namespace {

/// Bytes of producer rows one row tile of a host may compute: an eighth of a 2 MiB L2,
/// leaving room for the rest of the chain's tiles and the weights. Rows per tile follow
/// from it (hostRowsPerTile): small enough that a tile stays in cache and the per-tile
/// buffers of both cores stay far below the tensors they replace, large enough that the
/// halo rows a window recomputes at tile edges stay a small fraction.
constexpr int64_t kTileBytes = int64_t(256) << 10;
constexpr int64_t kMinRowsPerTile = 2, kMaxRowsPerTile = 8;

class Planner {
public:
  Planner(const Graph &graph, const std::vector<bool> &foldedAway)
      : graph_(graph), foldedAway_(foldedAway), users_(graph.users()),
        isOutput_(graph.nodes.size()) {
    for (NodeId id : graph.outputs)
      isOutput_[id] = true;
    plan_.groupOf.resize(graph.nodes.size());
    plan_.tailOf.resize(graph.nodes.size());
    plan_.inlined.assign(graph.nodes.size(), false);
    plan_.computedPerTileOf.resize(graph.nodes.size());
  }

  FusionPlan run() {
    for (NodeId id = 0; id < graph_.nodes.size(); ++id)
      if (!graph_.nodes[id].isInput())
        place(id);
    for (NodeId id = 0; id < graph_.nodes.size(); ++id)
      if (plan_.groupOf[id] == id)
        plan_.computedPerTileOf[id] = tileConsumer(plan_.tailOf[id]);
    tileProducerChains();
    return plan_;
  }

private:
  /// The operand whose group this node extends, if any: a group's current tail
  /// that feeds only this node and is not an output.
  std::optional<NodeId> extendableOperand(NodeId id) const {
    for (NodeId operand : graph_.nodes[id].operands) {
      std::optional<NodeId> head = plan_.groupOf[operand];
      if (head && plan_.tailOf[*head] == operand && users_[operand].size() == 1 &&
          !isOutput_[operand])
        return operand;
    }
    return std::nullopt;
  }

  void place(NodeId id) {
    const OpDef &op = *graph_.nodes[id].op;
    const bool singleUse = users_[id].size() == 1 && !isOutput_[id];
    // A pad reads its producer at shifted coordinates, so it never joins a group (the
    // group's accumulator tiles must line up with the stored tail's).
    if (op.foldsIntoConsumer) {
      if (isOutput_[id]) {
        plan_.groupOf[id] = id;
        plan_.tailOf[id] = id;
      } else {
        plan_.inlined[id] = true;
      }
      return;
    }
    std::optional<NodeId> operand;
    if (op.pointwise || foldedAway_[id])
      operand = extendableOperand(id);
    if (operand) {
      plan_.groupOf[id] = plan_.groupOf[*operand];
      plan_.tailOf[*plan_.groupOf[id]] = id;
      return;
    }
    if (op.pointwise && singleUse) {
      plan_.inlined[id] = true;
      return;
    }
    plan_.groupOf[id] = id;
    plan_.tailOf[id] = id;
  }

  /// The pooling group that reads `tail` (through inlined layers only), if the tail
  /// can be computed per tile of it.
  std::optional<NodeId> tileConsumer(NodeId tail) const {
    NodeId current = tail;
    while (users_[current].size() == 1 && !isOutput_[current]) {
      NodeId user = users_[current][0];
      if (plan_.inlined[user]) {
        current = user;
        continue;
      }
      if (graph_.nodes[tail].shape.size() == 4 && plan_.groupOf[user] == user &&
          graph_.nodes[user].op->computesProducerPerTile)
        return user;
      return std::nullopt;
    }
    return std::nullopt;
  }

  /// A group whose only reader is computed per tile of a host is computed per tile of
  /// that host too, so a convolution feeding a convolution feeding a pooling is never
  /// stored whole either (VGG's conv1_1, 12.8 MB at 224x224): each tile recomputes the
  /// few halo rows its reader's window needs. Up to kMaxTiledDepth groups per host,
  /// since every level adds halo rows. Consumers come after producers, so walking
  /// backwards sees a reader's decision first.
  void tileProducerChains() {
    std::vector<int> depth(graph_.nodes.size(), 0);
    for (NodeId head = 0; head < graph_.nodes.size(); ++head)
      if (plan_.computedPerTileOf[head])
        depth[head] = 1;
    for (NodeId head = graph_.nodes.size(); head-- > 0;) {
      if (plan_.groupOf[head] != head || plan_.computedPerTileOf[head])
        continue;
      std::optional<NodeId> reader = soleReaderGroup(plan_.tailOf[head]);
      if (!reader || !plan_.computedPerTileOf[*reader] || depth[*reader] >= kMaxTiledDepth)
        continue;
      plan_.computedPerTileOf[head] = plan_.computedPerTileOf[*reader];
      depth[head] = depth[*reader] + 1;
    }
  }

  /// The group that alone reads `tail` (through inlined layers such as a pad), if any.
  std::optional<NodeId> soleReaderGroup(NodeId tail) const {
    if (graph_.nodes[tail].shape.size() != 4)
      return std::nullopt;
    NodeId current = tail;
    while (users_[current].size() == 1 && !isOutput_[current]) {
      NodeId user = users_[current][0];
      if (!plan_.inlined[user])
        return plan_.groupOf[user];
      current = user;
    }
    return std::nullopt;
  }

  static constexpr int kMaxTiledDepth = 2;

  const Graph &graph_;
  const std::vector<bool> &foldedAway_;
  std::vector<std::vector<NodeId>> users_;
  std::vector<bool> isOutput_;
  FusionPlan plan_;
};

/// Output rows per tile of each host: the widest producer computed per tile decides,
/// counting the producer rows one host row needs (2 for a stride-2 pooling).
std::vector<int> hostRowsPerTile(const Graph &graph, const FusionPlan &plan) {
  std::vector<int64_t> rowBytes(graph.nodes.size(), 0);
  for (NodeId head = 0; head < graph.nodes.size(); ++head) {
    std::optional<NodeId> host = plan.computedPerTileOf[head];
    if (plan.groupOf[head] != head || !host)
      continue;
    const Shape &produced = graph.nodes[plan.tailOf[head]].shape;
    const Shape &hosted = graph.nodes[plan.tailOf[*host]].shape;
    const int64_t rowsPerHostRow = (produced[2] + hosted[2] - 1) / hosted[2];
    rowBytes[*host] = std::max(rowBytes[*host], 4 * produced[1] * produced[3] * rowsPerHostRow);
  }
  std::vector<int> rows(graph.nodes.size(), 0);
  for (NodeId host = 0; host < graph.nodes.size(); ++host)
    if (rowBytes[host] > 0)
      rows[host] = static_cast<int>(
          std::clamp(kTileBytes / rowBytes[host], kMinRowsPerTile, kMaxRowsPerTile));
  return rows;
}

std::string memberNames(const Graph &graph, const FusionPlan &plan, NodeId head) {
  std::string names;
  for (NodeId id = head; id < graph.nodes.size(); ++id)
    if (plan.groupOf[id] == head)
      names += (names.empty() ? "" : " + ") + graph.nodes[id].name;
  return names;
}

} // namespace

FusionPlan planFusion(const Graph &graph, const std::vector<bool> &foldedAway) {
  return Planner(graph, foldedAway).run();
}

std::vector<std::string> scheduleFused(const Graph &graph, lower::LoweredNetwork &network,
                                       const Halide::Target &target) {
  const FusionPlan plan = planFusion(graph, network.foldedAway);
  // Groups that other groups are computed inside are split into row tiles.
  const std::vector<int> rowsPerTile = hostRowsPerTile(graph, plan);
  std::vector<Halide::LoopLevel> tileLevel(graph.nodes.size(), Halide::LoopLevel::root());
  std::vector<std::string> decisions;
  // Hosts first (a consumer comes after its producers, so walk backwards).
  for (NodeId head = graph.nodes.size(); head-- > 0;) {
    if (plan.groupOf[head] != head)
      continue;
    const NodeId tail = plan.tailOf[head];
    const Shape &shape = graph.nodes[tail].shape;
    Halide::Func tailFunc = network.nodeFuncs[tail].func;
    const StageFuncs stage{tailFunc, network.nodeFuncs[head].accumulator,
                           network.nodeFuncs[head].windowInput,
                           4 * nodeParameters(graph, graph.nodes[head]),
                           network.nodeFuncs[head].channelBlock};
    std::string line = memberNames(graph, plan, head);
    if (std::optional<NodeId> host = plan.computedPerTileOf[head]) {
      tailFunc.compute_at(tileLevel[*host]);
      std::string loops;
      scheduleInnerStage(stage, shape, tilingFor(shape, target, 0), &loops);
      line += ": computed per " + std::to_string(rowsPerTile[*host]) + "-row tile of " +
              graph.nodes[*host].name + ", never stored whole; " + loops;
    } else {
      std::string loops;
      tileLevel[head] = scheduleStoredStage(
          stage, shape, tilingFor(shape, target, rowsPerTile[head]), &loops);
      line += ": one stage, stored; " + loops;
    }
    decisions.push_back(line);
  }
  std::reverse(decisions.begin(), decisions.end());
  for (NodeId id = 0; id < graph.nodes.size(); ++id)
    if (plan.inlined[id])
      decisions.push_back(graph.nodes[id].name + ": inlined into its consumers (never stored)");
  scheduleOutputs(graph, network);
  return decisions;
}

} // namespace cnnc::schedule
