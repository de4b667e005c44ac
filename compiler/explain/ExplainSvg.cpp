// Plain SVG text, laid out in pixels; the same input always gives the same bytes
// (fixed one-decimal coordinates, as compiler/bench/SvgChart.cpp writes them).
#include "compiler/explain/ExplainSvg.h"

#include "compiler/explain/Influence.h"
#include "compiler/explain/LayerWindows.h"
#include "compiler/ir/OpDef.h"

#include <algorithm>
#include <cstdio>
#include <sstream>

namespace cnnc::explain {

using namespace ir;

namespace {

constexpr double kWidth = 900;
constexpr int kPanelsPerRow = 5;
constexpr double kPanelWidth = 172;
constexpr double kPanelHeight = 208;
constexpr double kDrawSize = 128; // the square each tensor is drawn in
constexpr double kChartHeight = 300;
const char kFont[] = "DejaVu Sans, Helvetica, Arial, sans-serif";
const char kTensorFill[] = "#e4e4e4";
const char kRegionColor[] = "#1f6fb2";
const char kPaddingColor[] = "#f28e2b";

std::string px(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", value);
  return text;
}

std::string percent(double share) {
  char text[32];
  std::snprintf(text, sizeof text, "%.0f%%", 100.0 * share);
  return text;
}

std::string escapeXml(const std::string &text) {
  std::string out;
  for (char c : text) {
    if (c == '&')
      out += "&amp;";
    else if (c == '<')
      out += "&lt;";
    else if (c == '>')
      out += "&gt;";
    else if (c == '"')
      out += "&quot;";
    else
      out += c;
  }
  return out;
}

void text(std::ostream &out, double x, double y, const std::string &content, double size,
          const std::string &extra = "") {
  out << "  <text x=\"" << px(x) << "\" y=\"" << px(y) << "\" font-size=\"" << px(size) << "\""
      << (extra.empty() ? "" : " " + extra) << ">" << escapeXml(content) << "</text>\n";
}

void rect(std::ostream &out, double x, double y, double w, double h, const std::string &style) {
  out << "  <rect x=\"" << px(x) << "\" y=\"" << px(y) << "\" width=\"" << px(w) << "\" height=\""
      << px(h) << "\" " << style << "/>\n";
}

int64_t overlap(const Span &span, int64_t extent) {
  return std::max<int64_t>(0,
                           std::min(span.last, extent - 1) - std::max<int64_t>(span.first, 0) + 1);
}

Span intersect(const Span &a, const Span &b) {
  return {std::max(a.first, b.first), std::min(a.last, b.last)};
}

/// What a panel shows along one axis: the tensor and the region, but around a region
/// much smaller than the tensor only a margin as wide as the region, so it stays visible.
Span panelView(const Span &region, int64_t extent) {
  const Span all{std::min<int64_t>(0, region.first), std::max(extent - 1, region.last)};
  const int64_t margin = std::max<int64_t>(region.size(), 2);
  return intersect(all, {region.first - margin, region.last + margin});
}

/// One tensor: grey, the region over it in blue, the region's padded part in orange.
void writePanel(std::ostream &out, const Graph &graph, NodeId id, const std::array<Span, 2> &region,
                double left, double top) {
  const int64_t height = nodeExtent(graph, id, kAxes[0]), width = nodeExtent(graph, id, kAxes[1]);
  const Span rows = panelView(region[0], height), cols = panelView(region[1], width);
  const double scale = kDrawSize / double(std::max(rows.size(), cols.size()));
  auto X = [&](int64_t col) { return left + 20 + double(col - cols.first) * scale; };
  auto Y = [&](int64_t row) { return top + 8 + double(row - rows.first) * scale; };
  // The region, orange where it lies outside the tensor, then the visible part of the
  // tensor drawn over it with the region's inside part in blue.
  rect(out, X(region[1].first), Y(region[0].first), double(region[1].size()) * scale,
       double(region[0].size()) * scale,
       std::string("fill=\"") + kPaddingColor + "\" fill-opacity=\"0.55\"");
  const Span tensorRows = intersect(rows, {0, height - 1}),
             tensorCols = intersect(cols, {0, width - 1});
  rect(out, X(tensorCols.first), Y(tensorRows.first), double(tensorCols.size()) * scale,
       double(tensorRows.size()) * scale,
       std::string("fill=\"") + kTensorFill + "\" stroke=\"#888\" stroke-width=\"0.8\"");
  if (rows.size() < std::max(height, region[0].last + 1) - std::min<int64_t>(0, region[0].first) ||
      cols.size() < std::max(width, region[1].last + 1) - std::min<int64_t>(0, region[1].first))
    text(out, left + 20 + kDrawSize, top + 6, "zoomed", 9,
         "text-anchor=\"end\" fill=\"#888\" font-style=\"italic\"");
  const Span insideRows{std::max<int64_t>(region[0].first, 0),
                        std::min(region[0].last, height - 1)};
  const Span insideCols{std::max<int64_t>(region[1].first, 0), std::min(region[1].last, width - 1)};
  if (insideRows.size() > 0 && insideCols.size() > 0)
    rect(out, X(insideCols.first), Y(insideRows.first), double(insideCols.size()) * scale,
         double(insideRows.size()) * scale,
         std::string("fill=\"") + kRegionColor + "\" fill-opacity=\"0.45\"");
  rect(out, X(region[1].first), Y(region[0].first), double(region[1].size()) * scale,
       double(region[0].size()) * scale,
       std::string("fill=\"none\" stroke=\"") + kRegionColor + "\" stroke-width=\"1.5\"");
  const Node &node = graph.nodes[id];
  const double base = top + kDrawSize + 26;
  text(out, left + 20, base, node.name + " (" + (node.isInput() ? "input" : node.op->name) + ")",
       11.5, "font-weight=\"bold\" fill=\"#222\"");
  text(out, left + 20, base + 15,
       std::to_string(height) + "x" + std::to_string(width) + ", region " +
           std::to_string(region[0].size()) + "x" + std::to_string(region[1].size()),
       10.5, "fill=\"#444\"");
  text(out, left + 20, base + 29,
       percent(regionPaddingShare(region[0], region[1], height, width)) + " of it in padding", 10.5,
       std::string("fill=\"") + kPaddingColor + "\"");
}

/// The nodes drawn in the depth chart: 4-D tensors, in node order.
std::vector<const LayerExplanation *> chartLayers(const Graph &graph,
                                                  const NetworkExplanation &explanation) {
  std::vector<const LayerExplanation *> layers;
  for (const LayerExplanation &layer : explanation.layers)
    if (graph.nodes[layer.node].shape.size() == 4 && !layer.fields.empty() &&
        layer.fields[0].dependsOnInput)
      layers.push_back(&layer);
  return layers;
}

void polyline(std::ostream &out, const std::vector<std::pair<double, double>> &points,
              const std::string &color, const std::string &dash) {
  out << "  <polyline fill=\"none\" stroke=\"" << color << "\" stroke-width=\"2\""
      << (dash.empty() ? "" : " stroke-dasharray=\"" + dash + "\"") << " points=\"";
  for (const auto &[x, y] : points)
    out << px(x) << "," << px(y) << " ";
  out << "\"/>\n";
}

/// Spatial size and receptive field (rows) through depth, over the border share bars.
void writeDepthChart(std::ostream &out, const Graph &graph, const NetworkExplanation &explanation,
                     double top) {
  const std::vector<const LayerExplanation *> layers = chartLayers(graph, explanation);
  if (layers.empty())
    return;
  const double left = 70, right = kWidth - 70, plotTop = top + 52,
               plotBottom = top + kChartHeight - 70;
  int64_t maxValue = 1;
  for (const LayerExplanation *layer : layers)
    maxValue = std::max({maxValue, graph.nodes[layer->node].shape[2], layer->fields[0].rows.size});
  const double step = (right - left) / double(std::max<size_t>(1, layers.size() - 1));
  auto X = [&](size_t i) {
    return layers.size() == 1 ? (left + right) / 2 : left + double(i) * step;
  };
  auto Y = [&](double v) { return plotBottom - (plotBottom - plotTop) * v / double(maxValue); };
  text(out, 16, top + 18,
       "Through depth: spatial size (rows), receptive field (rows) on " +
           graph.nodes[layers[0]->fields[0].input].name +
           ", share of positions whose field reaches padding",
       13, "font-weight=\"bold\" fill=\"#111\"");
  rect(out, left, plotTop, right - left, plotBottom - plotTop, "fill=\"none\" stroke=\"#ccc\"");
  std::vector<std::pair<double, double>> size, field;
  for (size_t i = 0; i < layers.size(); ++i) {
    const LayerExplanation &layer = *layers[i];
    const double barHeight = (plotBottom - plotTop) * layer.borderShare();
    rect(out, X(i) - 5, plotBottom - barHeight, 10, barHeight,
         std::string("fill=\"") + kPaddingColor + "\" fill-opacity=\"0.5\"");
    size.push_back({X(i), Y(double(graph.nodes[layer.node].shape[2]))});
    field.push_back({X(i), Y(double(layer.fields[0].rows.size))});
    text(out, X(i), plotBottom + 14, graph.nodes[layer.node].name, 9.5,
         "text-anchor=\"end\" fill=\"#444\" transform=\"rotate(-40 " + px(X(i)) + " " +
             px(plotBottom + 14) + ")\"");
  }
  polyline(out, size, "#333333", "");
  polyline(out, field, kRegionColor, "6,3");
  for (int tick = 0; tick <= 4; ++tick) {
    const double value = double(maxValue) * tick / 4.0;
    text(out, left - 6, Y(value) + 4, std::to_string(int64_t(value + 0.5)), 10,
         "text-anchor=\"end\" fill=\"#555\"");
    text(out, right + 6, Y(value) + 4, std::to_string(tick * 25) + "%", 10,
         "fill=\"" + std::string(kPaddingColor) + "\"");
  }
  const double legend = plotTop - 12;
  text(out, left, legend, "— spatial size (rows, pixels)", 11, "fill=\"#333\"");
  text(out, left + 220, legend, "- - receptive field (rows, input pixels)", 11,
       std::string("fill=\"") + kRegionColor + "\"");
  text(out, left + 480, legend, "bars: border share (right axis)", 11,
       std::string("fill=\"") + kPaddingColor + "\"");
}

} // namespace

double regionPaddingShare(const Span &rows, const Span &cols, int64_t height, int64_t width) {
  const double area = double(rows.size()) * double(cols.size());
  return area > 0 ? 1.0 - double(overlap(rows, height)) * double(overlap(cols, width)) / area : 0.0;
}

std::string explanationSvg(const Graph &graph, const NetworkExplanation &explanation, NodeId target,
                           int64_t y, int64_t x) {
  const std::vector<std::optional<std::array<Span, 2>>> regions =
      influenceRegion(graph, target, y, x);
  std::vector<NodeId> drawn;
  for (NodeId id = 0; id < graph.nodes.size(); ++id)
    if (regions[id])
      drawn.push_back(id);
  const size_t panelRows = (drawn.size() + kPanelsPerRow - 1) / kPanelsPerRow;
  const double chartTop = 70 + double(panelRows) * kPanelHeight + 10;
  const double height = chartTop + kChartHeight;
  std::ostringstream out;
  out << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << px(kWidth) << "\" height=\""
      << px(height) << "\" viewBox=\"0 0 " << px(kWidth) << " " << px(height) << "\" font-family=\""
      << kFont << "\">\n";
  const std::string title = graph.name + ": what position (" + std::to_string(y) + ", " +
                            std::to_string(x) + ") of " + graph.nodes[target].name +
                            " depends on, layer by layer";
  out << "  <title>" << escapeXml(title) << "</title>\n";
  rect(out, 0, 0, kWidth, height, "fill=\"white\"");
  text(out, 16, 26, title, 16, "font-weight=\"bold\" fill=\"#111\"");
  text(out, 16, 46,
       "grey: the tensor (zoomed around small regions); blue: the part of it the position "
       "depends on; orange: the part of that region in padding",
       11.5, "fill=\"#555\"");
  for (size_t i = 0; i < drawn.size(); ++i)
    writePanel(out, graph, drawn[i], *regions[drawn[i]], double(i % kPanelsPerRow) * kPanelWidth,
               60 + double(i / kPanelsPerRow) * kPanelHeight);
  writeDepthChart(out, graph, explanation, chartTop);
  out << "</svg>\n";
  return out.str();
}

} // namespace cnnc::explain
