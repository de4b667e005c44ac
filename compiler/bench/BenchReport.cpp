// Derived numbers, the JSON report and the chart of `cnnc bench`.
#include "compiler/bench/BenchReport.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

namespace cnnc::bench {

namespace {

std::string fixed(double value, int decimals) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

/// Rounded for the JSON file: sub-microsecond digits of a millisecond time are noise.
double rounded(double value, int decimals) {
  double scale = std::pow(10.0, decimals);
  return std::round(value * scale) / scale;
}

const ScheduleResult *findSchedule(const BenchReport &report, const char *name) {
  for (const ScheduleResult &result : report.schedules)
    if (result.schedule == name)
      return &result;
  return nullptr;
}

std::optional<double> ratio(const ScheduleResult *numerator, double denominator) {
  if (!numerator || denominator <= 0)
    return std::nullopt;
  return medianOf(numerator->runMs) / denominator;
}

ScheduleSummary summarizeRuns(const BenchReport &report, const std::vector<double> &runMs) {
  ScheduleSummary summary;
  summary.medianMs = medianOf(runMs);
  summary.minMs = runMs.empty() ? 0 : *std::min_element(runMs.begin(), runMs.end());
  if (summary.medianMs > 0)
    summary.gflops = double(report.flops) / (summary.medianMs * 1e6);
  if (report.peak.threads.gflops > 0)
    summary.percentOfPeak = 100 * summary.gflops / report.peak.threads.gflops;
  summary.speedup = ratio(findSchedule(report, kBaselineSchedule), summary.medianMs);
  if (std::optional<double> inverse = ratio(findSchedule(report, kFusedSchedule), summary.medianMs))
    summary.fusedSpeedup = 1 / *inverse;
  return summary;
}

nlohmann::ordered_json optionalJson(std::optional<double> value) {
  return value ? nlohmann::ordered_json(rounded(*value, 3)) : nlohmann::ordered_json();
}

nlohmann::ordered_json runsJson(const std::vector<double> &runMs) {
  nlohmann::ordered_json runs = nlohmann::ordered_json::array();
  for (double ms : runMs)
    runs.push_back(rounded(ms, 4));
  return runs;
}

nlohmann::ordered_json peakJson(const MachinePeak &peak) {
  nlohmann::ordered_json byIsa = nlohmann::ordered_json::object();
  for (const FmaPeak &one : peak.oneThreadByIsa)
    byIsa[isaName(one.isa)] = rounded(one.gflops, 1);
  return {{"isa", isaName(peak.threads.isa)},
          {"threads", peak.threads.threads},
          {"gflops", rounded(peak.threads.gflops, 1)},
          {"one_thread_gflops", rounded(peak.oneThread.gflops, 1)},
          {"one_thread_gflops_by_isa", byIsa}};
}

nlohmann::ordered_json scheduleJson(const BenchReport &report, const ScheduleResult &result) {
  ScheduleSummary summary = summarize(report, result);
  return {{"name", result.schedule},
          {"compile_seconds", rounded(result.compileSeconds, 3)},
          {"runs", result.runMs.size()},
          {"run_ms", runsJson(result.runMs)},
          {"median_ms", rounded(summary.medianMs, 4)},
          {"min_ms", rounded(summary.minMs, 4)},
          {"gflops", rounded(summary.gflops, 2)},
          {"percent_of_peak", rounded(summary.percentOfPeak, 2)},
          {"peak_intermediate_bytes", result.peakBytes},
          {"allocations_per_run", result.allocations},
          {"speedup_vs_unfused", optionalJson(summary.speedup)},
          {"fused_speedup", optionalJson(summary.fusedSpeedup)}};
}

nlohmann::ordered_json libraryJson(const BenchReport &report, const LibraryResult &result) {
  ScheduleSummary summary = summarize(report, result);
  return {{"name", result.name},
          {"version", result.version},
          {"runs", result.runMs.size()},
          {"run_ms", runsJson(result.runMs)},
          {"median_ms", rounded(summary.medianMs, 4)},
          {"min_ms", rounded(summary.minMs, 4)},
          {"gflops", rounded(summary.gflops, 2)},
          {"percent_of_peak", rounded(summary.percentOfPeak, 2)},
          {"speedup_vs_unfused", optionalJson(summary.speedup)},
          {"fused_speedup", optionalJson(summary.fusedSpeedup)},
          {"check", result.check}};
}

} // namespace

MachineInfo readMachineInfo() {
  MachineInfo info{"unknown CPU", int(std::thread::hardware_concurrency())};
  std::ifstream cpuinfo("/proc/cpuinfo");
  for (std::string line; std::getline(cpuinfo, line);) {
    if (line.rfind("model name", 0) != 0)
      continue;
    size_t colon = line.find(':');
    if (colon != std::string::npos && colon + 2 <= line.size())
      info.cpuModel = line.substr(colon + 2);
    break;
  }
  return info;
}

double medianOf(std::vector<double> runMs) {
  if (runMs.empty())
    return 0;
  std::sort(runMs.begin(), runMs.end());
  size_t half = runMs.size() / 2;
  return runMs.size() % 2 ? runMs[half] : (runMs[half - 1] + runMs[half]) / 2;
}

ScheduleSummary summarize(const BenchReport &report, const ScheduleResult &result) {
  return summarizeRuns(report, result.runMs);
}

ScheduleSummary summarize(const BenchReport &report, const LibraryResult &result) {
  return summarizeRuns(report, result.runMs);
}

std::string formatBytes(int64_t bytes) {
  if (bytes < 1024)
    return std::to_string(bytes) + " B";
  const char *units[] = {"KiB", "MiB", "GiB", "TiB"};
  double value = double(bytes) / 1024;
  size_t unit = 0;
  while (value >= 1024 && unit + 1 < sizeof units / sizeof units[0]) {
    value /= 1024;
    ++unit;
  }
  return fixed(value, 1) + " " + units[unit];
}

std::string reportJson(const BenchReport &report) {
  nlohmann::ordered_json schedules = nlohmann::ordered_json::array();
  for (const ScheduleResult &result : report.schedules)
    schedules.push_back(scheduleJson(report, result));
  nlohmann::ordered_json json = {
      {"format", "cnnc-bench/1"},
      {"machine",
       {{"cpu", report.machine.cpuModel},
        {"logical_cores", report.machine.logicalCores},
        {"fp32_fma_peak", peakJson(report.peak)}}},
      {"settings",
       {{"threads", report.threads},
        {"min_time_seconds", report.minTimeSeconds},
        {"rounds", report.rounds}}},
      {"network",
       {{"name", report.networkName}, {"flops", report.flops}, {"parameters", report.parameters}}},
      {"baseline", kBaselineSchedule},
      {"schedules", schedules}};
  if (!report.libraries.empty()) {
    nlohmann::ordered_json libraries = nlohmann::ordered_json::array();
    for (const LibraryResult &result : report.libraries)
      libraries.push_back(libraryJson(report, result));
    json["libraries"] = libraries;
  }
  return json.dump(2) + "\n";
}

BarChart reportChart(const BenchReport &report) {
  BarChart chart;
  chart.title = report.networkName + ": " + fixed(double(report.flops) / 1e9, 2) +
                " GFLOP per run, " + std::to_string(report.threads) +
                (report.threads == 1 ? " thread" : " threads");
  chart.subtitle = report.machine.cpuModel + ", " + std::to_string(report.machine.logicalCores) +
                   " logical cores; measured FP32 FMA peak " +
                   fixed(report.peak.threads.gflops, 0) + " GFLOP/s at " +
                   std::to_string(report.threads) + (report.threads == 1 ? " thread" : " threads");
  chart.axisLabel = "milliseconds per run (shorter is faster)";
  double fastest = 0;
  size_t fewestRuns = 0;
  auto note = [&](const std::vector<double> &runMs) {
    double median = medianOf(runMs);
    fastest = fastest == 0 ? median : std::min(fastest, median);
    fewestRuns = fewestRuns == 0 ? runMs.size() : std::min(fewestRuns, runMs.size());
  };
  for (const ScheduleResult &result : report.schedules)
    note(result.runMs);
  for (const LibraryResult &result : report.libraries)
    note(result.runMs);
  for (const ScheduleResult &result : report.schedules) {
    ScheduleSummary summary = summarize(report, result);
    ChartBar bar{result.schedule,
                 summary.medianMs,
                 summary.minMs,
                 fixed(summary.medianMs, summary.medianMs < 10 ? 2 : 1) + " ms",
                 "",
                 "",
                 summary.medianMs == fastest};
    if (result.schedule == kBaselineSchedule)
      bar.badge = "baseline";
    else if (summary.speedup)
      bar.badge = fixed(*summary.speedup, 2) + "x vs " + kBaselineSchedule;
    bar.detail = fixed(summary.percentOfPeak, 0) + "% of peak";
    chart.bars.push_back(bar);
  }
  for (const LibraryResult &result : report.libraries) {
    ScheduleSummary summary = summarize(report, result);
    ChartBar bar{result.name,
                 summary.medianMs,
                 summary.minMs,
                 fixed(summary.medianMs, summary.medianMs < 10 ? 2 : 1) + " ms",
                 "",
                 fixed(summary.percentOfPeak, 0) + "% of peak",
                 summary.medianMs == fastest};
    if (summary.fusedSpeedup)
      bar.badge = *summary.fusedSpeedup >= 1
                      ? "fused " + fixed(*summary.fusedSpeedup, 2) + "x faster"
                      : "fused " + fixed(1 / *summary.fusedSpeedup, 2) + "x slower";
    chart.bars.push_back(bar);
  }
  chart.notes = {"Bar: median over at least " + std::to_string(fewestRuns) +
                 " runs; black line: the fastest run. Same weights and inputs for every " +
                 (report.libraries.empty() ? "schedule." : "schedule and library.")};
  return chart;
}

} // namespace cnnc::bench
