// A horizontal bar chart written as plain SVG text: one bar per row, a label on the
// left, an annotation, a bold badge and a grey detail on the right, an optional thin marker across
// each bar. No dependencies, and the same chart always gives the same bytes.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace cnnc::bench {

struct ChartBar {
  std::string label;            // left of the bar
  double value = 0;             // the bar's length, in axis units
  std::optional<double> marker; // a thin line across the bar (`cnnc bench`: the fastest run)
  std::string annotation;       // right of the bar ("46.7 ms")
  std::string badge;            // after it, in bold ("1.40x vs unfused")
  std::string detail;           // after that, in grey ("21% of peak")
  bool emphasized = false;      // drawn in the strong colour (`cnnc bench`: the fastest)
};

struct BarChart {
  std::string title;
  std::string subtitle;
  std::string axisLabel;          // under the value axis
  std::vector<std::string> notes; // small lines under the chart
  std::vector<ChartBar> bars;     // top to bottom
};

/// The chart as a standalone SVG document.
std::string renderSvg(const BarChart &chart);

/// The distance between axis ticks: 1, 2 or 5 times a power of ten, giving 3 to 7
/// ticks from 0 to `max`.
double niceTickStep(double max);

} // namespace cnnc::bench
