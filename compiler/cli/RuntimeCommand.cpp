// `cnnc runtime -o DIR [--target T]`: writes DIR/halide_runtime.a alone. A program
// links exactly one Halide runtime however many networks it holds (each network
// library is built without one); cnnc_add_network builds it this way, once.
#include "compiler/cli/Commands.h"
#include "compiler/cli/Options.h"
#include "compiler/emit/Compile.h"

#include <iostream>

namespace cnnc::cli {

namespace {

const char kRuntimeUsage[] = "usage: cnnc runtime -o DIR [--target T]";

const std::vector<OptionSpec> kRuntimeOptions = {
    {"--output", "-o", true, "directory for halide_runtime.a (created if missing)", "DIR"},
    {"--target", "", true, "Halide target: host (default), x86-64-linux-avx2, ...", "T"},
};

} // namespace

int runRuntimeCommand(const std::vector<std::string> &args) {
  std::string error;
  std::optional<ParsedOptions> options = parseOptions(args, kRuntimeOptions, error);
  if (!options)
    return usageError("runtime", error, kRuntimeUsage);
  if (options->help) {
    std::cout << kRuntimeUsage << "\n\nWrites the Halide runtime that programs linking "
              << "networks from `cnnc compile --no-runtime` need, once per program.\n\n"
              << formatOptionHelp(kRuntimeOptions);
    return kExitSuccess;
  }
  if (!options->positional.empty())
    return usageError("runtime", "unexpected argument '" + options->positional[0] + "'",
                      kRuntimeUsage);
  if (!options->has("--output"))
    return usageError("runtime", "-o DIR is required", kRuntimeUsage);
  std::string target = options->get("--target").value_or("host");
  dsl::DiagnosticEngine diags(nullptr);
  if (!emit::checkTarget(target, diags))
    return usageError("runtime", diags.diagnostics().front().message, kRuntimeUsage);
  std::vector<std::string> written;
  bool emitted = emit::emitHalideRuntime(*options->get("--output"), target, diags, &written);
  std::cerr << diags.renderAll();
  if (!emitted)
    return kExitUserError;
  for (const std::string &path : written)
    std::cerr << "cnnc: wrote " << path << "\n";
  return kExitSuccess;
}

} // namespace cnnc::cli
