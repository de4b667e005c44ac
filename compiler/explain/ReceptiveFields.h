// Receptive fields on the network inputs, position by position: for every tensor,
// axis and network input, the hull of the input coordinates each output position can
// depend on. Computed exactly through every window (dilation, stride, padding,
// ceil_mode) and every join (add and concat take the union), then summarized as the
// standard size / jump / start figures.
#pragma once

#include "compiler/ir/Graph.h"
#include "compiler/ir/WindowGeometry.h"

#include <array>
#include <optional>
#include <vector>

namespace cnnc::explain {

/// One tensor, one axis, one network input.
struct PositionFields {
  /// Per output position: the hull of the network-input coordinates it reads, padded
  /// (virtual) coordinates included; nullopt when the position does not depend on the
  /// input at all (the other operands' rows of a concat along the axis).
  std::vector<std::optional<ir::Span>> spans;
  /// The distance on the input between neighbouring positions' fields, by the
  /// recurrence jump * stride (the largest over a join's operands). It places the
  /// virtual coordinates of padding added after this tensor.
  int64_t jump = 1;
};

/// fields[node][k][axis]: the fields of `node` on network input graph.inputs[k].
using FieldTable = std::vector<std::vector<std::array<PositionFields, 2>>>;
FieldTable computeReceptiveFields(const ir::Graph &graph);

/// The figures people quote, for one axis.
struct FieldSummary {
  bool dependsOnInput = false;
  int64_t size = 0;  // the largest field extent over the positions
  int64_t jump = 0;  // first[i+1] - first[i] when uniform, else the recurrence's
  int64_t start = 0; // first coordinate of the first position's field (output 0's)
  /// Every position has a field of the same size and neighbours' fields are `jump`
  /// apart: the standard affine picture holds exactly.
  bool regular = true;
};
FieldSummary summarizeFields(const PositionFields &fields);

} // namespace cnnc::explain
