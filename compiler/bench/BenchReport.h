// What `cnnc bench` measured, and everything derived from it in one place: the table,
// the JSON report and the chart all read the same medians, rates and ratios.
#pragma once

#include "compiler/bench/PeakProbe.h"
#include "compiler/bench/SvgChart.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cnnc::bench {

struct MachineInfo {
  std::string cpuModel; // /proc/cpuinfo's "model name", or "unknown CPU"
  int logicalCores = 0;
};

/// This machine, from /proc/cpuinfo and std::thread::hardware_concurrency.
MachineInfo readMachineInfo();

/// One schedule's measurements.
struct ScheduleResult {
  std::string schedule;
  double compileSeconds = 0;
  std::vector<double> runMs; // every timed run, in order (the warm-up run is not in it)
  int64_t peakBytes = 0;     // Halide's own heap allocations live at once, in one run
  int64_t allocations = 0;   // Halide mallocs in one run
};

/// A library the schedules are compared with (`cnnc bench --baseline`), timed in its own
/// process on the same weights and inputs.
struct LibraryResult {
  std::string name;          // "onednn", "pytorch-eager", "pytorch-frozen"
  std::string version;       // "oneDNN 2.6.0", "PyTorch 1.13.1"
  std::vector<double> runMs; // every timed run, in order
  std::string check;         // how its outputs compared with the checked schedule's
};

struct BenchReport {
  MachineInfo machine;
  MachinePeak peak;
  int threads = 1;
  double minTimeSeconds = 0;
  int rounds = 1; // timing rounds alternating between schedules and libraries
  std::string networkName;
  int64_t flops = 0; // per run; a multiply-add counts 2
  int64_t parameters = 0;
  std::vector<ScheduleResult> schedules; // in the order they were timed
  std::vector<LibraryResult> libraries;  // timed after the schedules, one at a time
};

/// The schedule every speed-up is measured against.
constexpr const char *kBaselineSchedule = "unfused";

/// The schedule every library's median is compared with.
constexpr const char *kFusedSchedule = "fused";

/// Numbers derived from one ScheduleResult (or LibraryResult) and its report.
struct ScheduleSummary {
  double medianMs = 0;
  double minMs = 0;
  double gflops = 0;             // from the median
  double percentOfPeak = 0;      // of the peak at the report's thread count
  std::optional<double> speedup; // baseline median / this median; none without baseline
  /// This median / fused's median: how many times faster fused is; none without fused.
  std::optional<double> fusedSpeedup;
};

/// The median of `runMs` (the mean of the middle two for an even count); 0 when empty.
double medianOf(std::vector<double> runMs);
ScheduleSummary summarize(const BenchReport &report, const ScheduleResult &result);
ScheduleSummary summarize(const BenchReport &report, const LibraryResult &result);

/// "0 B", "48.0 KiB", "12.3 MiB".
std::string formatBytes(int64_t bytes);

/// The report as JSON text (docs/bench.md describes the fields).
std::string reportJson(const BenchReport &report);

/// One bar per schedule and library: the median, the fastest run as a marker, labelled with ms and
/// speed-up; the fastest median is emphasized.
BarChart reportChart(const BenchReport &report);

} // namespace cnnc::bench
