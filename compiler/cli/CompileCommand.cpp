// `cnnc compile NET.cnn -o DIR`: ahead-of-time build of a network into DIR/NAME.a,
// Halide's DIR/NAME.h, the C++ wrapper DIR/NAME.hpp, the C descriptor DIR/NAME_cnnc.h
// and (unless --no-runtime) the Halide runtime DIR/halide_runtime.a. Weights are bound
// at run time (NAME::fromFile), or with --weights compiled into NAME.a (NAME::create).
#include "compiler/cli/Commands.h"
#include "compiler/cli/ExplainSchedule.h"
#include "compiler/cli/Frontend.h"
#include "compiler/cli/Options.h"
#include "compiler/emit/Compile.h"

#include <iostream>

namespace cnnc::cli {

namespace {

const char kCompileUsage[] =
    "usage: cnnc compile NET.cnn -o DIR [--schedule fused|unfused|auto] [--autoscheduler A] "
    "[--explain-schedule] [--target T] [--function-name F] [--no-runtime] [--weights W]";

const std::vector<OptionSpec> kCompileOptions = {
    {"--output", "-o", true, "directory for NAME.a, NAME.h, NAME.hpp (created if missing)", "DIR"},
    {"--schedule", "", true, "fused (default), unfused, or auto (a Halide autoscheduler)", "S"},
    {"--autoscheduler", "", true,
     "with --schedule auto: mullapudi2016 (default), li2018 or adams2019 (slow: minutes, GBs)",
     "A"},
    {"--explain-schedule", "", false,
     "print the schedule's decisions (what is fused, inlined, computed per tile) to stdout", ""},
    {"--target", "", true, "Halide target: host (default), x86-64-linux-avx2, arm-64-linux, ...",
     "T"},
    {"--function-name", "", true,
     "name of the function, the wrapper class and the files (default: the network's)", "F"},
    {"--no-runtime", "", false,
     "do not write halide_runtime.a (a program links one, see `cnnc runtime`)", ""},
    {"--weights", "", true,
     "embed these weights (safetensors) in the library: NAME::create() needs no file", "W"},
};

const char kCompileHelp[] = R"(
Compiles a network ahead of time. A program includes NAME.hpp (the class
cnnc::nets::NAME) or, from C, NAME_cnnc.h (with cnnc/cnnc.h), links NAME.a,
cnnc_runtime and one halide_runtime.a (shared by every network of the program), and
binds weights at run time from safetensors, or uses the ones --weights compiled in.

)";

/// The checked options of one invocation; usage mistakes are found before any work.
struct CompileRequest {
  std::string source;
  schedule::ScheduleRequest schedule;
  bool explainSchedule = false;
  emit::EmitOptions emit;
};

/// Fills `request` from `options`; on a usage mistake returns its message.
std::string readRequest(const ParsedOptions &options, CompileRequest &request) {
  if (options.positional.size() != 1)
    return "expected exactly one NET.cnn file";
  if (!options.has("--output"))
    return "-o DIR is required";
  std::string error;
  std::optional<schedule::ScheduleRequest> scheduleRequest =
      schedule::parseScheduleRequest(options.get("--schedule").value_or("fused"),
                                     options.get("--autoscheduler").value_or(""), error);
  if (!scheduleRequest)
    return error;
  request.source = options.positional[0];
  request.schedule = *scheduleRequest;
  request.explainSchedule = options.has("--explain-schedule");
  request.emit.outputDir = *options.get("--output");
  request.emit.target = options.get("--target").value_or("host");
  request.emit.functionName = options.get("--function-name").value_or("");
  request.emit.emitRuntime = !options.has("--no-runtime");
  request.emit.weightsPath = options.get("--weights").value_or("");
  request.emit.provenance = "schedule " + schedule::describe(request.schedule);
  dsl::DiagnosticEngine targetDiags(nullptr);
  if (!emit::checkTarget(request.emit.target, targetDiags))
    return targetDiags.diagnostics().front().message;
  return "";
}

} // namespace

int runCompileCommand(const std::vector<std::string> &args) {
  std::string error;
  std::optional<ParsedOptions> options = parseOptions(args, kCompileOptions, error);
  if (!options)
    return usageError("compile", error, kCompileUsage);
  if (options->help) {
    std::cout << kCompileUsage << "\n" << kCompileHelp << formatOptionHelp(kCompileOptions);
    return kExitSuccess;
  }
  CompileRequest request;
  std::string mistake = readRequest(*options, request);
  if (!mistake.empty())
    return usageError("compile", mistake, kCompileUsage);

  LoadedNetwork network = loadNetwork(request.source);
  std::cerr << network.diagnostics;
  if (!network.graph)
    return kExitUserError;
  const ir::Graph &graph = *network.graph;
  const std::string name = emit::resolvedFunctionName(graph, request.emit);
  dsl::DiagnosticEngine diags(network.source.get());
  if (!emit::checkFunctionName(
          name, request.emit.functionName.empty() ? graph.nameLoc : dsl::SourceLocation{}, diags)) {
    std::cerr << diags.renderAll();
    return kExitUserError;
  }
  std::cerr << "cnnc: compiling " << name << " (" << schedule::describe(request.schedule)
            << ") for " << request.emit.target << "...\n";
  std::vector<std::string> written, decisions;
  bool compiled =
      emit::compileLibrary(graph, request.schedule, request.emit, diags, &written, &decisions);
  if (request.explainSchedule && (compiled || !decisions.empty()))
    printScheduleDecisions(std::cout, graph.name, request.schedule, decisions);
  std::cerr << diags.renderAll();
  if (!compiled)
    return kExitUserError;
  for (const std::string &path : written)
    std::cerr << "cnnc: wrote " << path << "\n";
  return kExitSuccess;
}

} // namespace cnnc::cli
