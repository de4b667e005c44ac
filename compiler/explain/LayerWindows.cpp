// Asking OpDefs for their windows.
#include "compiler/explain/LayerWindows.h"

#include "compiler/ir/OpDef.h"

namespace cnnc::explain {

using namespace ir;

AxisWindow operandWindow(const Graph &graph, const Node &node, size_t operand, SpatialAxis axis) {
  if (node.isInput() || !node.op->axisWindow)
    return AxisWindow{};
  return node.op->axisWindow(node, operandShapes(graph, node), operand, axis);
}

int64_t nodeExtent(const Graph &graph, NodeId id, SpatialAxis axis) {
  return spatialExtent(graph.nodes[id].shape, axis);
}

namespace {

/// "3" when both axes agree, else "3x1".
std::string pair(int64_t h, int64_t w) {
  return h == w ? std::to_string(h) : std::to_string(h) + "x" + std::to_string(w);
}

} // namespace

WindowTraits describeWindow(const Graph &graph, const Node &node) {
  WindowTraits traits;
  if (node.isInput() || !node.op->axisWindow)
    return traits;
  traits.hasWeights = node.op->weights != nullptr;
  const AxisWindow h = operandWindow(graph, node, 0, SpatialAxis::Height);
  const AxisWindow w = operandWindow(graph, node, 0, SpatialAxis::Width);
  traits.pads = !h.outsideIsAbsent && (h.padBegin || h.padEnd || w.padBegin || w.padEnd);
  traits.downsamples = h.stride > 1 || w.stride > 1;
  std::string text;
  auto add = [&text](const std::string &part) { text += (text.empty() ? "" : " ") + part; };
  if (h.kernel > 1 || w.kernel > 1)
    add("k" + pair(h.kernel, w.kernel));
  if (h.stride != 1 || w.stride != 1)
    add("s" + pair(h.stride, w.stride));
  if (h.dilation > 1 || w.dilation > 1)
    add("d" + pair(h.dilation, w.dilation));
  if (traits.pads) {
    const bool even = h.padBegin == h.padEnd && w.padBegin == w.padEnd;
    add(even ? "p" + pair(h.padBegin, w.padBegin)
             : "p(" + std::to_string(h.padBegin) + "," + std::to_string(h.padEnd) + "," +
                   std::to_string(w.padBegin) + "," + std::to_string(w.padEnd) + ")");
    if (h.padMode != PadMode::Constant)
      add(padModeName(h.padMode));
  }
  traits.text = text;
  return traits;
}

} // namespace cnnc::explain
