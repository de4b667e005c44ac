// Fusion decisions (planFusion) and their translation into Halide schedules.
#include "compiler/schedule/Fused.h"

#include "compiler/ir/OpDef.h"
#include "compiler/lower/LowerHelpers.h"
#include "compiler/schedule/StageSchedule.h"

#include <algorithm>

namespace cnnc::schedule {

using namespace ir;

namespace {

/// Output rows per tile of a stored stage whose producer is computed per tile: small
/// enough that the producer's tile stays in cache, large enough that the halo rows a
/// 3x3 window recomputes at tile edges stay a small fraction.
constexpr int kRowsPerTile = 8;

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
    if (op.foldsIntoConsumer && !isOutput_[id]) {
      plan_.inlined[id] = true;
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

  const Graph &graph_;
  const std::vector<bool> &foldedAway_;
  std::vector<std::vector<NodeId>> users_;
  std::vector<bool> isOutput_;
  FusionPlan plan_;
};

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
  // A group whose tail was folded into its head (conv + batch-norm) is one function.
  auto separateTail = [&](NodeId head) {
    return network.nodeFuncs[head].func.name() != network.nodeFuncs[plan.tailOf[head]].func.name();
  };
  std::vector<bool> tiled(graph.nodes.size()); // heads whose tail is split into row tiles
  for (NodeId id = 0; id < graph.nodes.size(); ++id) {
    if (plan.groupOf[id] != id)
      continue;
    if (plan.computedPerTileOf[id])
      tiled[*plan.computedPerTileOf[id]] = true;
    if (separateTail(id) && graph.nodes[id].shape.size() == 4)
      tiled[id] = true;
  }
  std::vector<std::string> decisions;
  for (NodeId head = 0; head < graph.nodes.size(); ++head) {
    if (plan.groupOf[head] != head)
      continue;
    const NodeId tail = plan.tailOf[head];
    Halide::Func tailFunc = network.nodeFuncs[tail].func;
    const Shape &shape = graph.nodes[tail].shape;
    std::string line = memberNames(graph, plan, head);
    Halide::Var tileVar("yo");
    if (std::optional<NodeId> consumer = plan.computedPerTileOf[head]) {
      tailFunc.compute_at(network.nodeFuncs[plan.tailOf[*consumer]].func, tileVar);
      scheduleInnerStage(tailFunc, shape, target);
      line += ": computed per " + std::to_string(kRowsPerTile) + "-row tile of " +
              graph.nodes[*consumer].name;
    } else {
      scheduleStoredStage(tailFunc, shape, target, tiled[head] ? kRowsPerTile : 0);
      line += ": stored";
    }
    if (separateTail(head)) {
      Halide::Func headFunc = network.nodeFuncs[head].func;
      const bool tailSplit = tiled[head] && !plan.computedPerTileOf[head];
      if (shape.size() == 4)
        headFunc.compute_at(tailFunc, tailSplit ? tileVar : lower::TensorVars::y());
      else
        headFunc.compute_at(tailFunc, lower::TensorVars::n());
      scheduleInnerStage(headFunc, graph.nodes[head].shape, target);
      line += "; " + graph.nodes[head].name + " computed per tile of " + graph.nodes[tail].name;
    }
    decisions.push_back(line);
  }
  for (NodeId id = 0; id < graph.nodes.size(); ++id)
    if (plan.inlined[id])
      decisions.push_back(graph.nodes[id].name + ": inlined into its consumers (never stored)");
  for (size_t k = 0; k < graph.outputs.size(); ++k)
    boundToShape(network.outputs[k], graph.nodes[graph.outputs[k]].shape);
  return decisions;
}

} // namespace cnnc::schedule
