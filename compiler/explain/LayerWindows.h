// The per-axis windows of a layer, asked from its OpDef: the only way `explain` learns
// what a layer reads (STYLE.md 1.4: no switch on operator names).
#pragma once

#include "compiler/ir/Graph.h"
#include "compiler/ir/WindowGeometry.h"

#include <array>
#include <string>

namespace cnnc::explain {

/// Height then width: every per-axis table in explain/ is indexed in this order.
constexpr std::array<ir::SpatialAxis, 2> kAxes = {ir::SpatialAxis::Height, ir::SpatialAxis::Width};

/// How `axis` of `node`'s output reads operand `operand`; pointwise when the OpDef has
/// no axisWindow.
ir::AxisWindow operandWindow(const ir::Graph &graph, const ir::Node &node, size_t operand,
                             ir::SpatialAxis axis);

/// Positions along each axis of a node's output.
int64_t nodeExtent(const ir::Graph &graph, ir::NodeId id, ir::SpatialAxis axis);

/// Whether operand coordinate `u` of an operand of `extent` lies outside it.
inline bool isOutside(int64_t u, int64_t extent) { return u < 0 || u >= extent; }

/// What a layer's window does, for labels: "k3 s2 p1 reflect", empty when pointwise.
struct WindowTraits {
  bool pads = false;        // reads coordinates outside its operand
  bool downsamples = false; // a stride above 1
  bool hasWeights = false;
  std::string text;
};
WindowTraits describeWindow(const ir::Graph &graph, const ir::Node &node);

} // namespace cnnc::explain
