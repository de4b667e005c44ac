// How the oneDNN baseline groups a checked graph into primitives, decided before any
// primitive is created: the fusions a practitioner gets from oneDNN (and from PyTorch's
// frozen, oneDNN-backed inference), and no others.
//
//   - conv2d / linear absorb a following batch_norm into their weights and bias, then
//     a chain of activations (eltwise post-ops) and at most one add (a sum post-op),
//     as long as each absorbed layer is the only reader of the one before and no
//     absorbed intermediate is a network output;
//   - a zero-valued constant pad read only by zero-padded convolutions becomes part of
//     those convolutions' padding (oneDNN convolutions take asymmetric padding);
//   - every other layer is a primitive (or, for pad, a copy loop) of its own.
#pragma once

#include "compiler/ir/Attrs.h"
#include "compiler/ir/Graph.h"

#include <optional>
#include <vector>

namespace cnnc::onednn {

/// One primitive and the layers it computes.
struct Group {
  ir::NodeId anchor;                   // the layer that names the primitive
  std::optional<ir::NodeId> batchNorm; // folded into the anchor's weights and bias
  std::vector<ir::NodeId> postOps;     // activations and at most one add, in order
  ir::NodeId tail;                     // the layer whose value the group produces

  /// The add among the post-ops, if any.
  std::optional<ir::NodeId> sumNode(const ir::Graph &graph) const;
};

struct Plan {
  std::vector<Group> groups; // in execution order (by tail, a topological order)
  /// For each node: the group that computes it; nullopt for inputs and folded pads.
  std::vector<std::optional<size_t>> groupOf;
  /// For each node: true when it is a zero pad folded into its consumers' padding.
  std::vector<bool> foldedPad;
};

Plan planGroups(const ir::Graph &graph);

/// True when `node` is the layer `opName` (the backend maps operators by name).
bool isOp(const ir::Node &node, const char *opName);

/// What a convolution actually reads: its operand, or the operand of a folded pad, with
/// the pad's padding added to the convolution's own.
struct ConvSource {
  ir::NodeId node;
  ir::Pad4 padding;
};
ConvSource convSource(const ir::Graph &graph, const Plan &plan, const ir::Node &conv);

} // namespace cnnc::onednn
