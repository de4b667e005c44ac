// `cnnc bench NET.cnn`: measures this machine's FP32 FMA peak, compiles each schedule,
// runs all on the same random weights and inputs, checks that they agree, and prints
// how long each takes, how close to the peak it gets and how much memory it allocates;
// optionally as JSON (--json) and as an SVG bar chart (--plot). --baseline adds the
// libraries people would use instead (oneDNN, PyTorch), each timed in its own process.
#include "compiler/bench/BenchReport.h"
#include "compiler/bench/LibraryBaselines.h"
#include "compiler/bench/PeakProbe.h"
#include "compiler/bench/SvgChart.h"
#include "compiler/cli/Commands.h"
#include "compiler/cli/Format.h"
#include "compiler/cli/Frontend.h"
#include "compiler/cli/Options.h"
#include "compiler/emit/JitRun.h"
#include "compiler/eval/Compare.h"
#include "compiler/eval/RandomTensors.h"
#include "compiler/ir/Cost.h"
#include "runtime/AtomicWrite.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <thread>

namespace cnnc::cli {

namespace {

const char kBenchUsage[] =
    "usage: cnnc bench NET.cnn [--schedules fused,unfused,auto] "
    "[--autoscheduler A] [--threads N] [--min-time S] [--rounds R] [--json FILE] "
    "[--plot FILE.svg] [--baseline onednn,pytorch]";

const std::vector<OptionSpec> kBenchOptions = {
    {"--schedules", "", true,
     "comma-separated schedules to time (default fused,unfused): fused, unfused, auto, or "
     "auto:A for one autoscheduler",
     "LIST"},
    {"--autoscheduler", "", true,
     "the autoscheduler of `auto`: mullapudi2016 (default), li2018 or adams2019 (minutes, GBs)",
     "A"},
    {"--threads", "", true, "worker threads (default: HL_NUM_THREADS, else all cores)", "N"},
    {"--min-time", "", true, "seconds to keep timing each schedule (default 2)", "S"},
    {"--rounds", "", true,
     "split the timing into R rounds that alternate between the schedules (and libraries), "
     "so a change in the machine's load meets all of them (default 1)",
     "R"},
    {"--json", "", true, "also write every measurement to FILE as JSON", "FILE"},
    {"--plot", "", true, "also draw the run times as an SVG bar chart", "FILE.svg"},
    {"--baseline", "", true,
     "also time these libraries on the same weights and inputs, each in its own process "
     "after the schedules, and check their outputs against the first schedule's: onednn "
     "(cnnc_onednn_bench, built with libdnnl-dev), pytorch (eager and frozen, "
     "/usr/bin/python3)",
     "LIST"},
};

/// Runs per schedule: at least enough for a median that one slow run cannot move, at
/// most enough to keep a tiny network from timing for minutes.
constexpr size_t kMinRuns = 10;
constexpr size_t kMaxRuns = 1000;

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

struct BenchSettings {
  std::string netPath;
  std::vector<schedule::ScheduleRequest> schedules;
  int threads = 1;
  double minTime = 2;
  std::optional<std::string> jsonPath, plotPath;
  std::vector<bench::Library> libraries;
  int rounds = 1;
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

std::string threadsText(int threads) {
  return std::to_string(threads) + (threads == 1 ? " thread" : " threads");
}

/// The thread count Halide's pool will use: what HL_NUM_THREADS says, else every core.
int effectiveThreads() {
  const char *env = std::getenv("HL_NUM_THREADS");
  int fromEnv = env ? std::atoi(env) : 0;
  return fromEnv > 0 ? fromEnv : std::max(1, int(std::thread::hardware_concurrency()));
}

/// Fills `settings` from the options; returns an error message for a usage error.
std::optional<std::string> readSettings(const ParsedOptions &options, BenchSettings &settings) {
  if (options.positional.size() != 1)
    return std::string("expected exactly one NET.cnn file");
  settings.netPath = options.positional[0];
  const std::string autoscheduler = options.get("--autoscheduler").value_or("");
  bool anyAuto = false;
  for (const std::string &name : splitList(options.get("--schedules").value_or("fused,unfused"))) {
    const bool isAuto = name.rfind("auto", 0) == 0;
    std::string error;
    std::optional<schedule::ScheduleRequest> request =
        schedule::parseScheduleRequest(name, isAuto ? autoscheduler : "", error);
    if (!request)
      return error;
    anyAuto |= isAuto;
    settings.schedules.push_back(*request);
  }
  if (!autoscheduler.empty() && !anyAuto)
    return std::string("--autoscheduler applies only to the auto schedule; add auto to "
                       "--schedules");
  if (settings.schedules.empty())
    return std::string("--schedules names no schedule");
  settings.minTime = std::atof(options.get("--min-time").value_or("2").c_str());
  settings.rounds = std::atoi(options.get("--rounds").value_or("1").c_str());
  if (settings.rounds < 1)
    return std::string("--rounds needs a positive number");
  if (std::optional<std::string> threads = options.get("--threads")) {
    if (std::atoi(threads->c_str()) < 1)
      return std::string("--threads needs a positive number");
    // Read by Halide's thread pool when it starts, in JIT and AOT code alike.
    setenv("HL_NUM_THREADS", threads->c_str(), 1);
  }
  settings.threads = effectiveThreads();
  if (std::optional<std::string> list = options.get("--baseline")) {
    rt::Expected<std::vector<bench::Library>> libraries = bench::parseLibraries(*list);
    if (!libraries)
      return libraries.error().message;
    settings.libraries = *libraries;
  }
  settings.jsonPath = options.get("--json");
  settings.plotPath = options.get("--plot");
  return std::nullopt;
}

void measurePeak(bench::BenchReport &report) {
  std::cerr << "measuring FP32 FMA peak..." << std::flush;
  report.peak = bench::measureMachinePeak(report.threads);
  std::cerr << " " << fixed(report.peak.threads.gflops, 0) << " GFLOP/s on "
            << threadsText(report.threads) << " (" << bench::isaName(report.peak.threads.isa)
            << ")\n";
  // Two threads on two cores should nearly double one; much less means a busy
  // neighbour during the probe (or cores that share FMA units).
  const int cores = std::min(report.threads, std::max(1, report.machine.logicalCores));
  if (cores > 1 && report.peak.threads.gflops < 0.75 * cores * report.peak.oneThread.gflops)
    std::cerr << "note: that is only "
              << fixed(report.peak.threads.gflops / report.peak.oneThread.gflops, 1)
              << "x the one-thread peak of " << fixed(report.peak.oneThread.gflops, 0)
              << " GFLOP/s; other processes were probably running, so percentages of peak "
                 "read high\n";
}

/// One schedule compiled, its weights bound, warmed up, and its measurements so far.
struct CompiledSchedule {
  emit::JitNetwork network;
  eval::TensorMap outputs;
  bench::ScheduleResult result;
};

/// Compiles one schedule, binds the weights and runs it once to warm up (JIT page
/// faults, the thread pool starting, cold caches); `outputs` holds that run's result.
rt::Expected<CompiledSchedule> compileSchedule(const ir::Graph &graph,
                                               const schedule::ScheduleRequest &request,
                                               const eval::TensorMap &weights,
                                               const eval::TensorMap &inputs) {
  bench::ScheduleResult result;
  result.schedule = schedule::describe(request);
  std::cerr << "compiling " << graph.name << " (" << result.schedule << ")..." << std::flush;
  Clock::time_point start = Clock::now();
  rt::Expected<emit::JitNetwork> compiled = emit::JitNetwork::compile(graph, request);
  if (!compiled)
    return compiled.error();
  result.compileSeconds = secondsSince(start);
  std::cerr << " " << fixed(result.compileSeconds, 1) << " s\n";
  // Weights are prepared once, outside the timed runs, as rt::Model does at binding.
  if (rt::Status bound = compiled->bindWeights(weights); !bound)
    return bound.error();
  eval::TensorMap outputs = compiled->makeOutputs();
  if (rt::Status status = compiled->run(inputs, outputs); !status)
    return status.error();
  result.peakBytes = compiled->lastRunStats().peakBytes;
  result.allocations = compiled->lastRunStats().allocations;
  return CompiledSchedule{std::move(*compiled), std::move(outputs), std::move(result)};
}

/// Runs a compiled schedule again and again for `seconds` (at least `minRuns`, at most
/// `maxRuns` times), adding each run's time to its result.
rt::Status timeRound(CompiledSchedule &schedule, const eval::TensorMap &inputs, double seconds,
                     size_t minRuns, size_t maxRuns) {
  bench::ScheduleResult &result = schedule.result;
  const size_t before = result.runMs.size();
  Clock::time_point timingStart = Clock::now();
  while (result.runMs.size() - before < minRuns ||
         (secondsSince(timingStart) < seconds && result.runMs.size() - before < maxRuns)) {
    Clock::time_point runStart = Clock::now();
    if (rt::Status status = schedule.network.run(inputs, schedule.outputs); !status)
      return status;
    result.runMs.push_back(secondsSince(runStart) * 1e3);
    // Parallel tasks may allocate at different moments from run to run.
    result.peakBytes = std::max(result.peakBytes, schedule.network.lastRunStats().peakBytes);
  }
  return rt::ok();
}

/// Adds one round's library rows to the report's (same names, runs appended).
void mergeLibraryRound(std::vector<bench::LibraryResult> round,
                       std::vector<bench::LibraryResult> &libraries) {
  for (bench::LibraryResult &row : round) {
    auto same = std::find_if(libraries.begin(), libraries.end(),
                             [&](const bench::LibraryResult &old) { return old.name == row.name; });
    if (same == libraries.end()) {
      libraries.push_back(std::move(row));
    } else {
      same->runMs.insert(same->runMs.end(), row.runMs.begin(), row.runMs.end());
      if (same->check.find(row.check) == std::string::npos) // e.g. one round's fallback note
        same->check += "; " + row.check;
    }
  }
}

/// Compiles every schedule and checks that they agree, before any timing, so that the
/// timing rounds can alternate between them (and the libraries).
rt::Expected<std::vector<CompiledSchedule>>
compileSchedules(const ir::Graph &graph, const std::vector<schedule::ScheduleRequest> &requests,
                 const eval::TensorMap &weights, const eval::TensorMap &inputs) {
  std::vector<CompiledSchedule> compiled;
  for (const schedule::ScheduleRequest &request : requests) {
    rt::Expected<CompiledSchedule> one = compileSchedule(graph, request, weights, inputs);
    if (!one)
      return one.error();
    if (!compiled.empty())
      if (std::optional<std::string> problem =
              eval::compareOutputs(compiled[0].outputs, one->outputs))
        return rt::Error{"schedules disagree: " + one->result.schedule + " vs " +
                         compiled[0].result.schedule + ": " + *problem};
    compiled.push_back(std::move(*one));
  }
  return compiled;
}

/// One round of timing every compiled schedule for its share of --min-time.
rt::Status timeSchedulesRound(const BenchSettings &settings, int round,
                              const eval::TensorMap &inputs,
                              std::vector<CompiledSchedule> &compiled) {
  const size_t rounds = size_t(settings.rounds);
  std::cerr << "timing";
  if (rounds > 1)
    std::cerr << " (round " << round << " of " << rounds << ")";
  std::cerr << "..." << std::flush;
  for (CompiledSchedule &schedule : compiled) {
    const size_t before = schedule.result.runMs.size();
    if (rt::Status status =
            timeRound(schedule, inputs, settings.minTime / double(rounds),
                      (kMinRuns + rounds - 1) / rounds, (kMaxRuns + rounds - 1) / rounds);
        !status)
      return status;
    std::cerr << " " << schedule.result.schedule << " " << schedule.result.runMs.size() - before
              << " runs" << std::flush;
  }
  std::cerr << "\n";
  return rt::ok();
}

/// One round of a library, in its own process; its rows are merged into `libraries`.
rt::Status timeLibraryRound(bench::Library library, const bench::LibraryRun &run,
                            std::vector<bench::LibraryResult> &libraries) {
  std::cerr << "timing " << bench::libraryName(library) << " in its own process..." << std::flush;
  rt::Expected<std::vector<bench::LibraryResult>> rows = bench::runLibrary(library, run);
  if (!rows) {
    std::cerr << "\n";
    return rows.error();
  }
  for (size_t i = 0; i < rows->size(); ++i)
    std::cerr << (i == 0 ? " " : ", ") << (*rows)[i].name << " " << (*rows)[i].runMs.size()
              << " runs";
  std::cerr << "\n";
  mergeLibraryRound(std::move(*rows), libraries);
  return rt::ok();
}

/// What the columns mean, and which libraries the rows came from.
void printLegend(const bench::BenchReport &report) {
  std::cout
      << "\nmedian, min: wall time of one run, over all timed runs after a warm-up run\n"
         "GFLOP/s, % peak, vs unfused: from the medians; % of the FMA peak above; FLOPs\n"
         "  are the direct convolution's, so a schedule that computes 3x3 convolutions by\n"
         "  Winograd's algorithm (fewer multiplies) can exceed 100%\n"
         "peak memory: the most bytes of Halide's own heap buffers (intermediates) live at\n"
         "  once during a run; inputs, weights and outputs are the caller's and not counted\n";
  if (!report.libraries.empty()) {
    std::cout << "fused x: this median / fused's median (above 1: fused is that many times "
                 "faster)\nlibraries:";
    std::string previous;
    for (const bench::LibraryResult &result : report.libraries)
      if (result.version != previous)
        std::cout << (previous.empty() ? " " : ", ") << (previous = result.version);
    std::cout << "; each in its own process after the schedules of each round, on the same "
                 "weights and inputs\n";
  }
}

void printTable(const bench::BenchReport &report) {
  const bench::MachinePeak &peak = report.peak;
  std::cout << "network " << report.networkName << ": " << withUnit(double(report.flops))
            << " FLOPs and " << withUnit(double(report.parameters)) << " parameters per run; "
            << threadsText(report.threads) << "\n"
            << "machine: " << report.machine.cpuModel << ", " << report.machine.logicalCores
            << " logical cores; FP32 FMA peak measured now: " << fixed(peak.threads.gflops, 0)
            << " GFLOP/s on " << threadsText(report.threads);
  if (report.threads > 1)
    std::cout << ", " << fixed(peak.oneThread.gflops, 0) << " on one";
  std::cout << " (" << bench::isaName(peak.threads.isa) << ")\n\n";
  const bool libraries = !report.libraries.empty();
  size_t nameWidth = 10; // wider for long names, so the columns stay aligned
  for (const bench::ScheduleResult &result : report.schedules)
    nameWidth = std::max(nameWidth, result.schedule.size() + 2);
  for (const bench::LibraryResult &result : report.libraries)
    nameWidth = std::max(nameWidth, result.name.size() + 2);
  std::cout << padRight(libraries ? "schedule/library" : "schedule",
                        std::max<size_t>(nameWidth, libraries ? 18 : 0))
            << padLeft("compile s", 10) << padLeft("runs", 6) << padLeft("median ms", 11)
            << padLeft("min ms", 10) << padLeft("GFLOP/s", 9) << padLeft("% peak", 8)
            << padLeft("vs unfused", 12) << padLeft("peak memory", 13)
            << (libraries ? padLeft("fused x", 9) + "  check" : "") << "\n";
  nameWidth = std::max<size_t>(nameWidth, libraries ? 18 : 0);
  auto printRow = [&](const std::string &name, const std::string &compile, size_t runs,
                      const bench::ScheduleSummary &summary, const std::string &memory,
                      const std::string &check) {
    std::cout << padRight(name, nameWidth) << padLeft(compile, 10)
              << padLeft(std::to_string(runs), 6) << padLeft(fixed(summary.medianMs, 3), 11)
              << padLeft(fixed(summary.minMs, 3), 10) << padLeft(fixed(summary.gflops, 1), 9)
              << padLeft(fixed(summary.percentOfPeak, 1), 8)
              << padLeft(summary.speedup ? fixed(*summary.speedup, 2) + "x" : "-", 12)
              << padLeft(memory, 13);
    if (libraries)
      std::cout << padLeft(summary.fusedSpeedup ? fixed(*summary.fusedSpeedup, 2) : "-", 9)
                << (check.empty() ? "" : "  " + check);
    std::cout << "\n";
  };
  for (const bench::ScheduleResult &result : report.schedules)
    printRow(result.schedule, fixed(result.compileSeconds, 1), result.runMs.size(),
             bench::summarize(report, result), bench::formatBytes(result.peakBytes), "");
  for (const bench::LibraryResult &result : report.libraries)
    printRow(result.name, "-", result.runMs.size(), bench::summarize(report, result), "-",
             result.check);
  printLegend(report);
}

rt::Status writeText(const std::string &path, const std::string &text) {
  return rt::writeFileAtomically(path, {rt::ByteSpan{text.data(), text.size()}});
}

rt::Status writeOutputs(const BenchSettings &settings, const bench::BenchReport &report) {
  if (settings.jsonPath) {
    if (rt::Status status = writeText(*settings.jsonPath, bench::reportJson(report)); !status)
      return status;
    std::cerr << "wrote " << *settings.jsonPath << "\n";
  }
  if (settings.plotPath) {
    std::string svg = bench::renderSvg(bench::reportChart(report));
    if (rt::Status status = writeText(*settings.plotPath, svg); !status)
      return status;
    std::cerr << "wrote " << *settings.plotPath << "\n";
  }
  return rt::ok();
}

} // namespace

int runBenchCommand(const std::vector<std::string> &args) {
  std::string error;
  std::optional<ParsedOptions> options = parseOptions(args, kBenchOptions, error);
  if (!options)
    return usageError("bench", error, kBenchUsage);
  if (options->help) {
    std::cout << kBenchUsage << "\n\nTimes each schedule on the same random weights and inputs "
              << "(after checking\nthat they agree) and prints median and minimum run times, "
              << "GFLOP/s, percent of\nthis machine's FP32 FMA peak (measured first), speed-up "
              << "over unfused and\npeak intermediate memory. See docs/bench.md.\n\n"
              << formatOptionHelp(kBenchOptions);
    return kExitSuccess;
  }
  BenchSettings settings;
  if (std::optional<std::string> problem = readSettings(*options, settings))
    return usageError("bench", *problem, kBenchUsage);
  if (rt::Status found = bench::findLibraries(settings.libraries); !found)
    return userError(found.error().message);
  LoadedNetwork network = loadNetwork(settings.netPath);
  std::cerr << network.diagnostics;
  if (!network.graph)
    return kExitUserError;
  const ir::Graph &graph = *network.graph;
  bench::BenchReport report;
  report.machine = bench::readMachineInfo();
  report.threads = settings.threads;
  report.minTimeSeconds = settings.minTime;
  report.rounds = settings.rounds;
  report.networkName = graph.name;
  report.flops = ir::graphFlops(graph);
  report.parameters = ir::graphParameters(graph);
  measurePeak(report);
  const eval::TensorMap weights = eval::randomWeights(graph, 1);
  const eval::TensorMap inputs = eval::randomInputs(graph, 2);
  rt::Expected<std::vector<CompiledSchedule>> compiled =
      compileSchedules(graph, settings.schedules, weights, inputs);
  if (!compiled)
    return userError(compiled.error().message);
  const eval::TensorMap checkedOutputs = (*compiled)[0].outputs;
  bench::LibraryRun libraryRun{settings.netPath,
                               &weights,
                               &inputs,
                               &checkedOutputs,
                               (*compiled)[0].result.schedule,
                               settings.threads,
                               settings.minTime / settings.rounds};
  for (int round = 1; round <= settings.rounds; ++round) {
    if (rt::Status status = timeSchedulesRound(settings, round, inputs, *compiled); !status)
      return userError(status.error().message);
    for (bench::Library library : settings.libraries) {
      if (rt::Status status = timeLibraryRound(library, libraryRun, report.libraries); !status)
        return userError(status.error().message);
    }
  }
  for (CompiledSchedule &schedule : *compiled)
    report.schedules.push_back(std::move(schedule.result));
  printTable(report);
  if (rt::Status status = writeOutputs(settings, report); !status)
    return userError(status.error().message);
  return kExitSuccess;
}

} // namespace cnnc::cli
