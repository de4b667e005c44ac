// `cnnc bench NET.cnn`: compiles each schedule, runs all on the same random weights
// and inputs, checks that they agree, and prints how long each takes.
#include "compiler/cli/Commands.h"
#include "compiler/cli/Format.h"
#include "compiler/cli/Frontend.h"
#include "compiler/cli/Options.h"
#include "compiler/emit/JitRun.h"
#include "compiler/eval/Compare.h"
#include "compiler/eval/RandomTensors.h"
#include "compiler/ir/Cost.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <sstream>

namespace cnnc::cli {

namespace {

const char kBenchUsage[] =
    "usage: cnnc bench NET.cnn [--schedules fused,unfused] [--threads N] [--min-time S]";

const std::vector<OptionSpec> kBenchOptions = {
    {"--schedules", "", true, "comma-separated schedules to time (default fused,unfused)", "LIST"},
    {"--threads", "", true, "worker threads (default: all cores)", "N"},
    {"--min-time", "", true, "seconds to keep timing each schedule (default 2)", "S"},
};

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

struct Timing {
  std::string schedule;
  double compileSeconds = 0;
  std::vector<double> runMs;

  double median() const {
    std::vector<double> sorted = runMs;
    std::sort(sorted.begin(), sorted.end());
    return sorted[sorted.size() / 2];
  }
  double min() const { return *std::min_element(runMs.begin(), runMs.end()); }
};

std::vector<std::string> splitList(const std::string &text) {
  std::vector<std::string> items;
  std::stringstream stream(text);
  for (std::string item; std::getline(stream, item, ',');)
    if (!item.empty())
      items.push_back(item);
  return items;
}

std::string fixed(double value, int decimals) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

void printTable(const std::vector<Timing> &timings, double flops) {
  const Timing *baseline = nullptr;
  for (const Timing &timing : timings)
    if (timing.schedule == "unfused")
      baseline = &timing;
  std::cout << padRight("schedule", 10) << padLeft("compile s", 10) << padLeft("median ms", 11)
            << padLeft("min ms", 9) << padLeft("GFLOP/s", 9) << padLeft("runs", 6)
            << padLeft("vs unfused", 12) << "\n";
  for (const Timing &timing : timings) {
    std::cout << padRight(timing.schedule, 10) << padLeft(fixed(timing.compileSeconds, 1), 10)
              << padLeft(fixed(timing.median(), 3), 11) << padLeft(fixed(timing.min(), 3), 9)
              << padLeft(fixed(flops / (timing.median() * 1e6), 1), 9)
              << padLeft(std::to_string(timing.runMs.size()), 6)
              << padLeft(baseline ? fixed(baseline->median() / timing.median(), 2) + "x" : "-", 12)
              << "\n";
  }
}

} // namespace

int runBenchCommand(const std::vector<std::string> &args) {
  std::string error;
  std::optional<ParsedOptions> options = parseOptions(args, kBenchOptions, error);
  if (!options)
    return usageError("bench", error, kBenchUsage);
  if (options->help) {
    std::cout << kBenchUsage << "\n\nTimes each schedule on the same random weights and inputs "
              << "(after checking\nthat they agree) and prints median and minimum run times.\n\n"
              << formatOptionHelp(kBenchOptions);
    return kExitSuccess;
  }
  if (options->positional.size() != 1)
    return usageError("bench", "expected exactly one NET.cnn file", kBenchUsage);
  std::vector<schedule::ScheduleKind> kinds;
  for (const std::string &name : splitList(options->get("--schedules").value_or("fused,unfused"))) {
    std::optional<schedule::ScheduleKind> kind = schedule::parseScheduleKind(name);
    if (!kind)
      return usageError("bench", "unknown schedule '" + name + "'", kBenchUsage);
    kinds.push_back(*kind);
  }
  const double minTime = std::atof(options->get("--min-time").value_or("2").c_str());
  if (std::optional<std::string> threads = options->get("--threads")) {
    if (std::atoi(threads->c_str()) < 1)
      return usageError("bench", "--threads needs a positive number", kBenchUsage);
    // Read by Halide's thread pool when it starts, in JIT and AOT code alike.
    setenv("HL_NUM_THREADS", threads->c_str(), 1);
  }
  LoadedNetwork network = loadNetwork(options->positional[0]);
  std::cerr << network.diagnostics;
  if (!network.graph)
    return kExitUserError;
  const ir::Graph &graph = *network.graph;
  const eval::TensorMap weights = eval::randomWeights(graph, 1);
  const eval::TensorMap inputs = eval::randomInputs(graph, 2);
  std::vector<Timing> timings;
  std::optional<eval::TensorMap> first;
  for (schedule::ScheduleKind kind : kinds) {
    Timing timing{schedule::scheduleName(kind), 0, {}};
    std::cerr << "compiling " << graph.name << " (" << timing.schedule << ")..." << std::flush;
    Clock::time_point start = Clock::now();
    rt::Expected<emit::JitNetwork> compiled = emit::JitNetwork::compile(graph, kind);
    if (!compiled)
      return userError(compiled.error().message);
    timing.compileSeconds = secondsSince(start);
    std::cerr << " " << fixed(timing.compileSeconds, 1) << " s; timing..." << std::flush;
    eval::TensorMap outputs = compiled->makeOutputs();
    rt::Status status = compiled->run(weights, inputs, outputs); // warm-up
    if (!status)
      return userError(status.error().message);
    Clock::time_point timingStart = Clock::now();
    while (timing.runMs.size() < 5 || (secondsSince(timingStart) < minTime && timing.runMs.size() < 1000)) {
      Clock::time_point runStart = Clock::now();
      (void)compiled->run(weights, inputs, outputs);
      timing.runMs.push_back(secondsSince(runStart) * 1e3);
    }
    std::cerr << " done\n";
    if (!first) {
      first = outputs;
    } else if (std::optional<std::string> problem = eval::compareOutputs(*first, outputs)) {
      return userError("schedules disagree: " + timing.schedule + " vs " + timings[0].schedule +
                       ": " + *problem);
    }
    timings.push_back(timing);
  }
  std::cout << "network " << graph.name << ": " << withUnit(double(ir::graphFlops(graph)))
            << " FLOPs per run\n";
  printTable(timings, double(ir::graphFlops(graph)));
  return kExitSuccess;
}

} // namespace cnnc::cli
