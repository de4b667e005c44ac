// Layout is computed in pixels from the text lengths, estimated from character counts
// (an SVG writer cannot measure fonts): generous margins keep labels inside the frame.
#include "compiler/bench/SvgChart.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace cnnc::bench {

namespace {

constexpr double kWidth = 760;
constexpr double kTop = 72; // first bar's top, under title and subtitle
constexpr double kBarHeight = 26;
constexpr double kBarGap = 14;
constexpr double kCharWidth = 7.2; // of 13 px sans-serif, a little wide on purpose
constexpr double kNoteLine = 17;
const char kFont[] = "DejaVu Sans, Helvetica, Arial, sans-serif";
const char kStrong[] = "#1f6fb2";
const char kMuted[] = "#9db6d0";

/// Fixed notation with one decimal: locale-free and the same on every machine.
std::string px(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", value);
  return text;
}

std::string escapeXml(const std::string &text) {
  std::string out;
  for (char c : text) {
    switch (c) {
    case '&':
      out += "&amp;";
      break;
    case '<':
      out += "&lt;";
      break;
    case '>':
      out += "&gt;";
      break;
    case '"':
      out += "&quot;";
      break;
    default:
      out += c;
    }
  }
  return out;
}

std::string tickText(double value, double step) {
  char text[32];
  std::snprintf(text, sizeof text, "%.*f", step >= 1 ? 0 : int(std::ceil(-std::log10(step))),
                value);
  return text;
}

/// Where things go, from the longest label and annotation.
struct Layout {
  double plotLeft = 0, plotWidth = 0, axisMax = 0, step = 0, axisY = 0, height = 0;

  double x(double value) const { return plotLeft + plotWidth * value / axisMax; }
  double barTop(size_t row) const { return kTop + double(row) * (kBarHeight + kBarGap); }
};

Layout layOut(const BarChart &chart) {
  size_t labelChars = 4, annotationChars = 4;
  double maxValue = 0;
  for (const ChartBar &bar : chart.bars) {
    labelChars = std::max(labelChars, bar.label.size());
    annotationChars =
        std::max(annotationChars, bar.annotation.size() + bar.badge.size() + bar.detail.size() + 4);
    maxValue = std::max({maxValue, bar.value, bar.marker.value_or(0)});
  }
  Layout layout;
  layout.plotLeft = 24 + kCharWidth * double(labelChars);
  layout.plotWidth =
      std::max(160.0, kWidth - layout.plotLeft - 24 - kCharWidth * double(annotationChars));
  layout.step = niceTickStep(maxValue);
  layout.axisMax = std::max(layout.step, std::ceil(maxValue / layout.step) * layout.step);
  layout.axisY = layout.barTop(chart.bars.size()) + 2;
  layout.height = layout.axisY + 52 + kNoteLine * double(chart.notes.size());
  return layout;
}

void writeText(std::ostream &out, double x, double y, const std::string &text,
               const std::string &attributes) {
  out << "  <text x=\"" << px(x) << "\" y=\"" << px(y) << "\" " << attributes << ">"
      << escapeXml(text) << "</text>\n";
}

void writeAxis(std::ostream &out, const BarChart &chart, const Layout &layout) {
  // Ticks by index, not by adding up steps, so 0.1 + 0.2 never shows as 0.30000000004.
  const int ticks = int(std::lround(layout.axisMax / layout.step));
  out << "  <g class=\"axis\" stroke=\"#d0d0d0\">\n";
  for (int i = 0; i <= ticks; ++i)
    out << "    <line x1=\"" << px(layout.x(i * layout.step)) << "\" y1=\"" << px(kTop - 6)
        << "\" x2=\"" << px(layout.x(i * layout.step)) << "\" y2=\"" << px(layout.axisY)
        << "\"/>\n";
  out << "  </g>\n";
  for (int i = 0; i <= ticks; ++i)
    writeText(out, layout.x(i * layout.step), layout.axisY + 16,
              tickText(i * layout.step, layout.step),
              "class=\"tick\" text-anchor=\"middle\" font-size=\"12\" fill=\"#555\"");
  writeText(out, layout.plotLeft + layout.plotWidth / 2, layout.axisY + 36, chart.axisLabel,
            "class=\"axis-label\" text-anchor=\"middle\" font-size=\"13\" fill=\"#333\"");
}

void writeBar(std::ostream &out, const ChartBar &bar, const Layout &layout, size_t row) {
  const double top = layout.barTop(row), middle = top + kBarHeight / 2 + 4.5;
  writeText(out, layout.plotLeft - 10, middle, bar.label,
            "class=\"label\" text-anchor=\"end\" font-size=\"13\" fill=\"#222\"");
  out << "  <rect class=\"bar\" x=\"" << px(layout.plotLeft) << "\" y=\"" << px(top)
      << "\" width=\"" << px(layout.x(bar.value) - layout.plotLeft) << "\" height=\""
      << px(kBarHeight) << "\" fill=\"" << (bar.emphasized ? kStrong : kMuted) << "\"/>\n";
  double end = layout.x(bar.value);
  if (bar.marker) {
    double x = layout.x(*bar.marker);
    out << "  <line class=\"marker\" x1=\"" << px(x) << "\" y1=\"" << px(top - 3) << "\" x2=\""
        << px(x) << "\" y2=\"" << px(top + kBarHeight + 3) << "\" stroke=\"#222\" "
        << "stroke-width=\"2\"/>\n";
    end = std::max(end, x);
  }
  // Spaces collapse in SVG text; tspans with a shift keep the three parts apart.
  out << "  <text x=\"" << px(end + 8) << "\" y=\"" << px(middle)
      << "\" class=\"annotation\" font-size=\"13\" fill=\"#222\">" << escapeXml(bar.annotation);
  if (!bar.badge.empty())
    out << "<tspan class=\"badge\" dx=\"8\" font-weight=\"bold\">" << escapeXml(bar.badge)
        << "</tspan>";
  if (!bar.detail.empty())
    out << "<tspan class=\"detail\" dx=\"8\" fill=\"#777\">" << escapeXml(bar.detail) << "</tspan>";
  out << "</text>\n";
}

} // namespace

double niceTickStep(double max) {
  if (!(max > 0))
    return 1;
  double power = std::pow(10.0, std::floor(std::log10(max)));
  for (double factor : {0.2, 0.5, 1.0, 2.0, 5.0})
    if (max / (factor * power) <= 7)
      return factor * power;
  return 10 * power;
}

std::string renderSvg(const BarChart &chart) {
  const Layout layout = layOut(chart);
  std::ostringstream out;
  out << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << px(kWidth) << "\" height=\""
      << px(layout.height) << "\" viewBox=\"0 0 " << px(kWidth) << " " << px(layout.height)
      << "\" font-family=\"" << kFont << "\">\n";
  out << "  <title>" << escapeXml(chart.title) << "</title>\n";
  out << "  <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  writeText(out, 16, 28, chart.title,
            "class=\"title\" font-size=\"17\" font-weight=\"bold\" fill=\"#111\"");
  writeText(out, 16, 48, chart.subtitle, "class=\"subtitle\" font-size=\"12\" fill=\"#555\"");
  writeAxis(out, chart, layout);
  for (size_t row = 0; row < chart.bars.size(); ++row)
    writeBar(out, chart.bars[row], layout, row);
  for (size_t line = 0; line < chart.notes.size(); ++line)
    writeText(out, 16, layout.axisY + 60 + kNoteLine * double(line), chart.notes[line],
              "class=\"note\" font-size=\"11.5\" fill=\"#666\"");
  out << "</svg>\n";
  return out.str();
}

} // namespace cnnc::bench
