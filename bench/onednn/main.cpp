// cnnc_onednn_bench NET.cnn [--threads N] [--min-time S] [--json FILE] [--layout any|nhwc]
//                           [--no-check] [--dump-tensors DIR] [--tensors DIR]
//                           [--write-outputs FILE] [--verbose]
//
// Runs a .cnn network as oneDNN primitives, the way a practitioner would build it (see
// Plan.h and Network.h), on the same random weights and inputs `cnnc bench` uses (seeds
// 1 and 2) or on the tensors `cnnc bench --baseline onednn` hands it, checks the outputs against
// cnnc's reference evaluator, and times whole forward passes: median and minimum over at least 10
// runs and --min-time seconds, after a warm-up run, as `cnnc bench` does.
#include "bench/onednn/Network.h"
#include "cnnc/runtime/Safetensors.h"
#include "compiler/eval/Compare.h"
#include "compiler/eval/RandomTensors.h"
#include "compiler/import/BuildGraph.h"
#include "compiler/ir/Cost.h"
#include "dsl/Parser.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <omp.h>
#include <oneapi/dnnl/dnnl.hpp>
#include <optional>

namespace {

using namespace cnnc;
using Clock = std::chrono::steady_clock;

const char kUsage[] =
    "usage: cnnc_onednn_bench NET.cnn [--threads N] [--min-time S] [--json FILE]\n"
    "                         [--layout any|nhwc] [--no-check] [--dump-tensors DIR]\n"
    "                         [--tensors DIR] [--write-outputs FILE] [--verbose]";

const char kHelp[] = R"(
Runs the network as oneDNN primitives (convolutions with format_tag::any layouts,
batch-norm folded into convolution weights, activations and residual adds as post-ops,
pooling primitives, a copy loop for padding oneDNN lacks, NCHW reorders at the edges
counted in the time) on the random weights and inputs `cnnc bench` uses, checks the
outputs against cnnc's reference evaluator and prints median and minimum run times.

  --threads N          OpenMP threads (default: OMP_NUM_THREADS, else all cores)
  --min-time S         seconds to keep timing (default 2; at least 10 runs)
  --json FILE          also write the measurements as JSON (cnnc bench's fields)
  --layout any|nhwc    activation layout asked of convolutions (default any: oneDNN's choice)
  --no-check           skip the reference evaluator (slow on big networks)
  --dump-tensors DIR   write DIR/weights.safetensors, inputs.safetensors and, unless
                       --no-check, expected.safetensors (the reference outputs), so
                       bench/pytorch_bench.py can run on the same data
  --tensors DIR        read the weights and inputs from DIR/weights.safetensors and
                       DIR/inputs.safetensors instead of making them (cnnc bench
                       --baseline onednn hands over its own this way)
  --write-outputs FILE write the outputs of the last timed run (NCHW) as safetensors,
                       for the caller to check (cnnc bench compares them with its own)
  --verbose            print each step: layers, primitive, oneDNN implementation, layouts
)";

constexpr size_t kMinRuns = 10;
constexpr size_t kMaxRuns = 1000;

struct Settings {
  std::string network;
  std::optional<int> threads;
  double minTime = 2.0;
  std::optional<std::string> jsonPath, dumpDir, tensorsDir, outputsPath;
  onednn::Layout layout = onednn::Layout::Any;
  bool check = true;
  bool verbose = false;
};

int usageError(const std::string &message) {
  std::cerr << "cnnc_onednn_bench: " << message << "\n" << kUsage << "\n";
  return 2;
}

/// The settings, or nullopt after printing why not (sets `exitCode`).
std::optional<Settings> parseArgs(int argc, char **argv, int &exitCode) {
  Settings settings;
  exitCode = 2;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::optional<std::string> {
      if (i + 1 >= argc)
        return std::nullopt;
      return std::string(argv[++i]);
    };
    std::optional<std::string> v;
    if (arg == "-h" || arg == "--help") {
      std::cout << kUsage << "\n" << kHelp;
      exitCode = 0;
      return std::nullopt;
    }
    if (arg == "--no-check") {
      settings.check = false;
    } else if (arg == "--verbose") {
      settings.verbose = true;
    } else if (arg == "--threads" || arg == "--min-time" || arg == "--json" || arg == "--layout" ||
               arg == "--dump-tensors" || arg == "--tensors" || arg == "--write-outputs") {
      if (!(v = value())) {
        usageError(arg + " needs a value");
        return std::nullopt;
      }
      if (arg == "--threads")
        settings.threads = std::atoi(v->c_str());
      else if (arg == "--min-time")
        settings.minTime = std::atof(v->c_str());
      else if (arg == "--json")
        settings.jsonPath = *v;
      else if (arg == "--dump-tensors")
        settings.dumpDir = *v;
      else if (arg == "--tensors")
        settings.tensorsDir = *v;
      else if (arg == "--write-outputs")
        settings.outputsPath = *v;
      else if (*v == "any" || *v == "nhwc")
        settings.layout = *v == "any" ? onednn::Layout::Any : onednn::Layout::Nhwc;
      else {
        usageError("--layout must be any or nhwc");
        return std::nullopt;
      }
    } else if (!arg.empty() && arg[0] == '-') {
      usageError("unknown option '" + arg + "'");
      return std::nullopt;
    } else if (settings.network.empty()) {
      settings.network = arg;
    } else {
      usageError("expected exactly one NET.cnn file");
      return std::nullopt;
    }
  }
  if (settings.network.empty()) {
    usageError("expected exactly one NET.cnn file");
    return std::nullopt;
  }
  if (settings.threads && *settings.threads < 1) {
    usageError("--threads needs a positive number");
    return std::nullopt;
  }
  return settings;
}

std::optional<ir::Graph> loadGraph(const std::string &path) {
  std::string error;
  std::optional<dsl::SourceFile> file = dsl::SourceFile::load(path, error);
  if (!file) {
    std::cerr << "cnnc_onednn_bench: error: " << error << "\n";
    return std::nullopt;
  }
  dsl::DiagnosticEngine diags(&*file);
  dsl::Module module = dsl::parseModule(*file, diags);
  std::optional<ir::Graph> graph = import::buildGraph(module, diags);
  std::cerr << diags.renderAll();
  return graph;
}

double secondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

double medianOf(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const size_t half = values.size() / 2;
  return values.size() % 2 ? values[half] : (values[half - 1] + values[half]) / 2;
}

std::string fixed(double value, int decimals) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

std::vector<double> timeRuns(onednn::OnednnNetwork &network, double minTime) {
  network.run(); // warm-up: OpenMP threads start, pages are touched, kernels are JIT-ed
  std::vector<double> runMs;
  const Clock::time_point start = Clock::now();
  while (runMs.size() < kMinRuns || (secondsSince(start) < minTime && runMs.size() < kMaxRuns)) {
    const Clock::time_point runStart = Clock::now();
    network.run();
    runMs.push_back(secondsSince(runStart) * 1e3);
  }
  return runMs;
}

bool writeTensors(const std::string &path, const eval::TensorMap &tensors) {
  std::vector<std::pair<std::string, const rt::Tensor *>> list;
  for (const auto &[name, tensor] : tensors)
    list.emplace_back(name, &tensor);
  rt::Status status = rt::writeSafetensors(path, list);
  if (!status)
    std::cerr << "cnnc_onednn_bench: error: " << status.error().message << "\n";
  return bool(status);
}

/// Every tensor of the safetensors file at `path`, by name; nullopt after saying why.
std::optional<eval::TensorMap> readTensors(const std::string &path) {
  rt::Expected<rt::SafetensorsFile> file = rt::SafetensorsFile::open(path);
  if (!file) {
    std::cerr << "cnnc_onednn_bench: error: " << file.error().message << "\n";
    return std::nullopt;
  }
  eval::TensorMap tensors;
  for (const std::string &name : file->names()) {
    rt::Expected<rt::Tensor> tensor = file->readF32(name);
    if (!tensor) {
      std::cerr << "cnnc_onednn_bench: error: " << tensor.error().message << "\n";
      return std::nullopt;
    }
    tensors[name] = std::move(*tensor);
  }
  return tensors;
}

/// The weights and inputs: `--tensors DIR`'s, else made from `cnnc bench`'s seeds.
bool loadTensors(const Settings &settings, const ir::Graph &graph, eval::TensorMap &weights,
                 eval::TensorMap &inputs) {
  if (!settings.tensorsDir) {
    weights = eval::randomWeights(graph, 1);
    inputs = eval::randomInputs(graph, 2);
    return true;
  }
  // The seeds' tensors give every name and shape the network needs.
  weights = eval::randomWeights(graph, 1);
  inputs = eval::randomInputs(graph, 2);
  for (auto [file, wanted] :
       {std::pair{"weights.safetensors", &weights}, std::pair{"inputs.safetensors", &inputs}}) {
    const std::string path = *settings.tensorsDir + "/" + file;
    std::optional<eval::TensorMap> read = readTensors(path);
    if (!read)
      return false;
    for (auto &[name, tensor] : *wanted) {
      auto found = read->find(name);
      if (found == read->end() || found->second.shape != tensor.shape) {
        std::cerr << "cnnc_onednn_bench: error: " << path << ": no tensor '" << name
                  << "' of shape " << rt::formatShape(tensor.shape) << "\n";
        return false;
      }
      tensor = std::move(found->second);
    }
  }
  return true;
}

bool writeJson(const std::string &path, const nlohmann::json &json) {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary);
    out << json.dump(2) << "\n";
    if (!out) {
      std::cerr << "cnnc_onednn_bench: error: cannot write '" << path << "'\n";
      return false;
    }
  }
  return std::rename(temporary.c_str(), path.c_str()) == 0;
}

nlohmann::json reportJson(const Settings &settings, const ir::Graph &graph, int threads,
                          const std::vector<double> &runMs,
                          const std::vector<onednn::StepInfo> &steps, const std::string &check) {
  const double flops = double(ir::graphFlops(graph));
  const double median = medianOf(runMs);
  const dnnl_version_t *version = dnnl_version();
  nlohmann::json stepList = nlohmann::json::array();
  for (const onednn::StepInfo &step : steps)
    stepList.push_back({{"layers", step.layers},
                        {"kind", step.kind},
                        {"implementation", step.implementation},
                        {"layouts", step.layouts}});
  return {{"format", "cnnc-baseline/1"},
          {"library", "onednn"},
          {"library_version", std::to_string(version->major) + "." +
                                  std::to_string(version->minor) + "." +
                                  std::to_string(version->patch)},
          {"settings",
           {{"threads", threads},
            {"min_time_seconds", settings.minTime},
            {"layout", settings.layout == onednn::Layout::Any ? "any" : "nhwc"}}},
          {"network", {{"name", graph.name}, {"flops", ir::graphFlops(graph)}}},
          {"check", check},
          {"schedules",
           {{{"name", "onednn"},
             {"runs", runMs.size()},
             {"run_ms", runMs},
             {"median_ms", median},
             {"min_ms", *std::min_element(runMs.begin(), runMs.end())},
             {"gflops", flops / (median * 1e6)}}}},
          {"steps", stepList}};
}

std::string padLeft(const std::string &text, size_t width) {
  return text.size() >= width ? text : std::string(width - text.size(), ' ') + text;
}

void printReport(const ir::Graph &graph, int threads, const std::vector<double> &runMs,
                 const std::string &check) {
  const double flops = double(ir::graphFlops(graph));
  const double median = medianOf(runMs);
  const double fastest = *std::min_element(runMs.begin(), runMs.end());
  const dnnl_version_t *version = dnnl_version();
  std::cout << "network " << graph.name << ": " << fixed(flops / 1e9, 3)
            << " GFLOP per run; oneDNN " << version->major << "." << version->minor << "."
            << version->patch << ", " << threads << (threads == 1 ? " thread" : " threads") << "\n"
            << "library   runs  median ms     min ms  GFLOP/s\n"
            << "onednn" << padLeft(std::to_string(runMs.size()), 7) << padLeft(fixed(median, 3), 11)
            << padLeft(fixed(fastest, 3), 11) << padLeft(fixed(flops / (median * 1e6), 1), 9)
            << "\n"
            << "check: " << check << "\n";
}

} // namespace

int main(int argc, char **argv) {
  int exitCode = 0;
  std::optional<Settings> settings = parseArgs(argc, argv, exitCode);
  if (!settings)
    return exitCode;
  if (settings->threads) {
    // oneDNN (OpenMP build) uses omp_get_max_threads() threads.
    setenv("OMP_NUM_THREADS", std::to_string(*settings->threads).c_str(), 1);
    omp_set_num_threads(*settings->threads);
  }
  const int threads = omp_get_max_threads();
  std::optional<ir::Graph> graph = loadGraph(settings->network);
  if (!graph)
    return 1;
  eval::TensorMap weights, inputs;
  if (!loadTensors(*settings, *graph, weights, inputs))
    return 1;

  std::cerr << "building " << graph->name << " with oneDNN..." << std::flush;
  rt::Expected<onednn::OnednnNetwork> network =
      onednn::OnednnNetwork::build(*graph, weights, settings->layout);
  if (!network) {
    std::cerr << "\ncnnc_onednn_bench: error: " << network.error().message << "\n";
    return 1;
  }
  if (settings->verbose) {
    std::cerr << "\n";
    for (const onednn::StepInfo &step : network->steps())
      std::cerr << "  " << step.layers << ": " << step.kind << " " << step.implementation << " ["
                << step.layouts << "]\n";
  }
  network->setInputs(inputs);
  std::cerr << " timing..." << std::flush;
  const std::vector<double> runMs = timeRuns(*network, settings->minTime);
  std::cerr << " " << runMs.size() << " runs\n";
  const eval::TensorMap outputs = network->outputs();

  std::string check = "skipped (--no-check)";
  std::optional<eval::TensorMap> expected;
  if (settings->check) {
    std::cerr << "checking against the reference evaluator..." << std::flush;
    expected = eval::evaluateReference(*graph, weights, inputs);
    std::cerr << " done\n";
    if (std::optional<std::string> problem = eval::compareOutputs(*expected, outputs)) {
      std::cerr << "cnnc_onednn_bench: error: oneDNN disagrees with the reference: " << *problem
                << "\n";
      return 1;
    }
    check = "outputs agree with the reference evaluator";
  }
  printReport(*graph, threads, runMs, check);
  if (settings->dumpDir &&
      (!writeTensors(*settings->dumpDir + "/weights.safetensors", weights) ||
       !writeTensors(*settings->dumpDir + "/inputs.safetensors", inputs) ||
       (expected && !writeTensors(*settings->dumpDir + "/expected.safetensors", *expected))))
    return 1;
  if (settings->outputsPath && !writeTensors(*settings->outputsPath, outputs))
    return 1;
  if (settings->jsonPath &&
      !writeJson(*settings->jsonPath,
                 reportJson(*settings, *graph, threads, runMs, network->steps(), check)))
    return 1;
  return 0;
}
