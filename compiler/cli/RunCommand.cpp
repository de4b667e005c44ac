// `cnnc run NET.cnn --weights W --inputs I -o OUT [--schedule S]`: bind the tensors,
// run the network once and write every output.
#include "cnnc/runtime/Npy.h"
#include "cnnc/runtime/Safetensors.h"
#include "cnnc/runtime/TensorBinding.h"
#include "compiler/cli/Commands.h"
#include "compiler/cli/ExplainSchedule.h"
#include "compiler/cli/Frontend.h"
#include "compiler/cli/Options.h"
#include "compiler/emit/JitRun.h"
#include "compiler/eval/Reference.h"
#include "compiler/schedule/ScheduleKind.h"

#include <iostream>

namespace cnnc::cli {

using namespace ir;

namespace {

const char kRunUsage[] =
    "usage: cnnc run NET.cnn --inputs IN.safetensors -o OUT.safetensors "
    "[--weights W.safetensors] [--schedule fused|unfused|auto|reference] [--autoscheduler A] "
    "[--explain-schedule]";

const std::vector<OptionSpec> kRunOptions = {
    {"--weights", "", true, "weights (safetensors; PyTorch state_dict names)", "W"},
    {"--inputs", "", true, "network inputs by name (safetensors, or .npy for one input)", "IN"},
    {"--output", "-o", true, "where to write every output (safetensors, or .npy for one)", "OUT"},
    {"--schedule", "", true,
     "fused (default), unfused, auto (a Halide autoscheduler) or reference (the plain C++ "
     "evaluator)",
     "S"},
    {"--autoscheduler", "", true,
     "with --schedule auto: mullapudi2016 (default), li2018 or adams2019 (slow: minutes, GBs)",
     "A"},
    {"--explain-schedule", "", false,
     "print the schedule's decisions (what is fused, inlined, computed per tile) to stderr", ""},
};

/// Activations of the reference evaluator are doubles; refuse networks that could not
/// fit rather than fail inside an allocation.
constexpr int64_t kMaxReferenceBytes = int64_t(8) << 30;

bool endsWith(const std::string &text, const std::string &suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::vector<rt::TensorSpec> weightSpecs(const Graph &graph) {
  std::vector<rt::TensorSpec> specs;
  for (const NamedWeight &weight : graphWeights(graph))
    specs.push_back({weight.name, weight.spec.shape});
  return specs;
}

std::vector<rt::TensorSpec> inputSpecs(const Graph &graph) {
  std::vector<rt::TensorSpec> specs;
  for (NodeId id : graph.inputs)
    specs.push_back({graph.nodes[id].name, graph.nodes[id].shape});
  return specs;
}

int64_t referenceBytes(const Graph &graph) {
  int64_t total = 0;
  for (const Node &node : graph.nodes)
    total += elementCount(node.shape).value_or(kMaxReferenceBytes) * int64_t(sizeof(double));
  return total;
}

rt::Status writeOutputs(const std::string &path, const eval::TensorMap &outputs) {
  if (endsWith(path, ".npy")) {
    if (outputs.size() != 1)
      return rt::Error{path + ": a .npy file holds one tensor, but the network has " +
                       std::to_string(outputs.size()) + " outputs; use .safetensors"};
    return rt::writeNpy(path, outputs.begin()->second);
  }
  std::vector<std::pair<std::string, const rt::Tensor *>> named;
  for (const auto &[name, tensor] : outputs)
    named.emplace_back(name, &tensor);
  return rt::writeSafetensors(path, named);
}

/// Runs `graph` under the reference evaluator (no `schedule`) or a Halide schedule, and
/// writes the outputs.
int runNetwork(const Graph &graph, const std::optional<schedule::ScheduleRequest> &schedule,
               const ParsedOptions &options) {
  if (!schedule && referenceBytes(graph) > kMaxReferenceBytes)
    return userError("network '" + graph.name +
                     "' is too large for the reference evaluator (activations exceed 8 GiB)");
  eval::TensorMap weights;
  std::vector<rt::TensorSpec> wanted = weightSpecs(graph);
  if (!wanted.empty() || options.has("--weights")) {
    if (!options.has("--weights"))
      return userError("network '" + graph.name + "' has weights; pass --weights FILE");
    auto bound = rt::loadTensors(*options.get("--weights"), wanted, "weight");
    if (!bound)
      return userError(bound.error().message);
    weights = std::move(*bound);
  }
  auto inputs = rt::loadTensors(*options.get("--inputs"), inputSpecs(graph), "input");
  if (!inputs)
    return userError(inputs.error().message);
  eval::TensorMap outputs;
  if (!schedule) {
    outputs = eval::evaluateReference(graph, weights, *inputs);
  } else {
    std::vector<std::string> decisions;
    auto computed = emit::runJit(graph, *schedule, weights, *inputs, &decisions);
    if (options.has("--explain-schedule") && !decisions.empty())
      printScheduleDecisions(std::cerr, graph.name, *schedule, decisions);
    if (!computed)
      return userError(computed.error().message);
    outputs = std::move(*computed);
  }
  rt::Status written = writeOutputs(*options.get("--output"), outputs);
  if (!written)
    return userError(written.error().message);
  return kExitSuccess;
}

} // namespace

int runRunCommand(const std::vector<std::string> &args) {
  std::string error;
  std::optional<ParsedOptions> options = parseOptions(args, kRunOptions, error);
  if (!options)
    return usageError("run", error, kRunUsage);
  if (options->help) {
    std::cout << kRunUsage << "\n\nRuns a network once on the given inputs and writes every "
              << "output tensor.\n\n" << formatOptionHelp(kRunOptions);
    return kExitSuccess;
  }
  if (options->positional.size() != 1)
    return usageError("run", "expected exactly one NET.cnn file", kRunUsage);
  if (!options->has("--inputs") || !options->has("--output"))
    return usageError("run", "--inputs and -o are required", kRunUsage);
  const std::string scheduleName = options->get("--schedule").value_or("fused");
  const std::string autoscheduler = options->get("--autoscheduler").value_or("");
  std::optional<schedule::ScheduleRequest> schedule; // none: the reference evaluator
  if (scheduleName == "reference") {
    if (!autoscheduler.empty())
      return usageError("run", "--autoscheduler applies only to --schedule auto", kRunUsage);
    if (options->has("--explain-schedule"))
      return usageError("run", "--explain-schedule needs a Halide schedule, not reference",
                        kRunUsage);
  } else if (!schedule::parseScheduleKind(scheduleName.substr(0, scheduleName.find(':')))) {
    return usageError("run",
                      "unknown schedule '" + scheduleName +
                          "' (expected fused, unfused, auto or reference)",
                      kRunUsage);
  } else {
    std::string mistake;
    schedule = schedule::parseScheduleRequest(scheduleName, autoscheduler, mistake);
    if (!schedule)
      return usageError("run", mistake, kRunUsage);
  }
  LoadedNetwork network = loadNetwork(options->positional[0]);
  std::cerr << network.diagnostics;
  if (!network.graph)
    return kExitUserError;
  return runNetwork(*network.graph, schedule, *options);
}

} // namespace cnnc::cli
