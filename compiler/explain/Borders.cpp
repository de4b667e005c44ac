// Forward propagation of the per-axis padding flags, tap by tap.
#include "compiler/explain/Borders.h"

#include "compiler/explain/LayerWindows.h"
#include "compiler/ir/WindowGeometry.h"

#include <algorithm>

namespace cnnc::explain {

using namespace ir;

namespace {

/// What one operand contributes to one axis of a layer.
struct AxisReads {
  int64_t taps = 0;
  int64_t padded = 0;
};

/// Per output position, while the operands are visited.
struct PositionState {
  bool hasTap = false;
  bool allPadded = true;
};

AxisReads visitOperand(const AxisBorder &in, const AxisWindow &window, AxisBorder &out,
                       std::vector<PositionState> &state) {
  const int64_t inExtent = static_cast<int64_t>(in.isPadding.size());
  AxisReads reads;
  for (size_t o = 0; o < out.reachesPadding.size(); ++o)
    for (int64_t t = 0; t < window.kernel; ++t) {
      const int64_t u = windowTap(window, static_cast<int64_t>(o), t);
      if (!isTapRead(window, u, inExtent))
        continue;
      const bool outside = isOutside(u, inExtent);
      ++reads.taps;
      state[o].hasTap = true;
      // A reflected, replicated or wrapped coordinate also carries whatever its source
      // position has reached.
      std::optional<int64_t> source = paddedSourceIndex(window.padMode, u, inExtent);
      const bool padded = outside || in.isPadding[static_cast<size_t>(u)];
      if (padded) {
        ++reads.padded;
        out.reachesPadding[o] = 1;
      } else {
        state[o].allPadded = false;
      }
      if (source && in.reachesPadding[static_cast<size_t>(*source)])
        out.reachesPadding[o] = 1;
    }
  return reads;
}

int64_t channelsOf(const Shape &shape) { return shape.size() >= 2 ? shape[1] : 1; }

NodeBorder layerBorder(const Graph &graph, NodeId id, const std::vector<NodeBorder> &borders) {
  const Node &node = graph.nodes[id];
  NodeBorder border;
  std::array<std::vector<PositionState>, 2> states;
  for (size_t a = 0; a < kAxes.size(); ++a) {
    const size_t extent = static_cast<size_t>(nodeExtent(graph, id, kAxes[a]));
    border.axes[a].reachesPadding.assign(extent, 0);
    border.axes[a].isPadding.assign(extent, 0);
    states[a].assign(extent, PositionState{});
  }
  for (size_t operand = 0; operand < node.operands.size(); ++operand) {
    const NodeId source = node.operands[operand];
    std::array<AxisReads, 2> reads;
    for (size_t a = 0; a < kAxes.size(); ++a)
      reads[a] =
          visitOperand(borders[source].axes[a], operandWindow(graph, node, operand, kAxes[a]),
                       border.axes[a], states[a]);
    // A 2-D read is clear when both its row and its column are.
    const double channels = static_cast<double>(channelsOf(graph.nodes[source].shape));
    const double total = double(reads[0].taps) * double(reads[1].taps);
    const double clear =
        double(reads[0].taps - reads[0].padded) * double(reads[1].taps - reads[1].padded);
    border.reads += channels * total;
    border.paddedReads += channels * (total - clear);
  }
  for (size_t a = 0; a < kAxes.size(); ++a)
    for (size_t o = 0; o < states[a].size(); ++o)
      border.axes[a].isPadding[o] = states[a][o].hasTap && states[a][o].allPadded;
  return border;
}

} // namespace

int64_t AxisBorder::clearPositions() const {
  return std::count(reachesPadding.begin(), reachesPadding.end(), 0);
}

int64_t NodeBorder::positions() const {
  return static_cast<int64_t>(axes[0].reachesPadding.size() * axes[1].reachesPadding.size());
}

int64_t NodeBorder::borderPositions() const {
  return positions() - axes[0].clearPositions() * axes[1].clearPositions();
}

std::vector<NodeBorder> computeBorders(const Graph &graph) {
  std::vector<NodeBorder> borders(graph.nodes.size());
  for (NodeId id = 0; id < graph.nodes.size(); ++id) {
    if (!graph.nodes[id].isInput()) {
      borders[id] = layerBorder(graph, id, borders);
      continue;
    }
    for (size_t a = 0; a < kAxes.size(); ++a) {
      const size_t extent = static_cast<size_t>(nodeExtent(graph, id, kAxes[a]));
      borders[id].axes[a].reachesPadding.assign(extent, 0);
      borders[id].axes[a].isPadding.assign(extent, 0);
    }
  }
  return borders;
}

} // namespace cnnc::explain
