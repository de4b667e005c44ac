// The `cnnc` tool: dispatches to a subcommand (SPEC section 3).
#include "compiler/cli/Commands.h"

#include <iostream>

namespace cnnc::cli {

namespace {

const char kMainHelp[] = R"(usage: cnnc COMMAND [ARGS...]

cnnc compiles convolutional networks written in the .cnn language.

commands:
  check NET.cnn                 parse and check a network; print each layer's shape
  run NET.cnn --inputs IN -o OUT [--weights W] [--schedule S]
                                run a network once and write its outputs
                                (S: fused (default), unfused, auto, reference)
  bench NET.cnn [--schedules fused,unfused,auto] [--threads N] [--json F] [--plot F.svg]
                                time schedules on random data, after checking they agree
  compile NET.cnn -o DIR [--schedule S] [--target T] [--function-name F]
                                compile ahead of time: DIR/NAME.a, NAME.h, NAME.hpp
  runtime -o DIR [--target T]   write the Halide runtime (one per program)
  import MODEL.onnx -o NET.cnn [--weights-out W] [--name N]
                                convert an ONNX model into .cnn and safetensors weights
  explain NET.cnn [--json F] [--dot F] [--svg F] [--layer L] [--position Y,X]
                                per layer: receptive field, padding reach, pixels that
                                never matter, FLOPs, parameters, activation bytes
  help                          show this help

Run `cnnc COMMAND --help` for a command's options.
Exit codes: 0 success, 1 error in the input, 2 usage error.
)";

} // namespace

int usageError(const std::string &command, const std::string &message, const std::string &usage) {
  std::cerr << "cnnc " << command << ": " << message << "\n" << usage << "\n";
  return kExitUsage;
}

int userError(const std::string &message) {
  std::cerr << "cnnc: error: " << message << "\n";
  return kExitUserError;
}

int dispatch(const std::vector<std::string> &words) {
  if (words.empty()) {
    std::cerr << kMainHelp;
    return kExitUsage;
  }
  const std::string &command = words[0];
  std::vector<std::string> rest(words.begin() + 1, words.end());
  if (command == "--help" || command == "-h" || command == "help") {
    std::cout << kMainHelp;
    return kExitSuccess;
  }
  if (command == "check")
    return runCheckCommand(rest);
  if (command == "run")
    return runRunCommand(rest);
  if (command == "bench")
    return runBenchCommand(rest);
  if (command == "compile")
    return runCompileCommand(rest);
  if (command == "runtime")
    return runRuntimeCommand(rest);
  if (command == "import")
    return runImportCommand(rest);
  if (command == "explain")
    return runExplainCommand(rest);
  std::cerr << "cnnc: unknown command '" << command << "'\n" << kMainHelp;
  return kExitUsage;
}

} // namespace cnnc::cli

int main(int argc, char **argv) {
  std::vector<std::string> words(argv + 1, argv + argc);
  try {
    return cnnc::cli::dispatch(words);
  } catch (const std::bad_alloc &) {
    // Limits are checked before allocating; this is the last line of defence.
    std::cerr << "cnnc: error: out of memory\n";
    return cnnc::cli::kExitUserError;
  }
}
