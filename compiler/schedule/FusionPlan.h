// The fused schedule's grouping decisions, without Halide: `cnnc explain` draws them
// and tests check them from the graph alone. Fused.cpp computes and applies them.
#pragma once

#include "compiler/ir/Graph.h"

#include <optional>
#include <vector>

namespace cnnc::schedule {

/// Which layers are computed together. A group is a chain: a head (usually a window
/// layer such as conv2d) and the pointwise layers that follow it one to one; only the
/// tail is stored, the head is computed per tile of the tail, the middle is inlined.
struct FusionPlan {
  std::vector<std::optional<ir::NodeId>> groupOf; // the group head of each member
  std::vector<ir::NodeId> tailOf;                 // per head: the group's stored node
  std::vector<bool> inlined;                      // folded into every consumer's loads
  /// Per head: the group whose tiles compute this whole group (pooling from conv tiles).
  std::vector<std::optional<ir::NodeId>> computedPerTileOf;
};

/// The fusion decisions, from the graph and the OpDefs' scheduling flags alone.
FusionPlan planFusion(const ir::Graph &graph, const std::vector<bool> &foldedAway);

} // namespace cnnc::schedule
