// Ahead-of-time compilation as the command line sees it (`cnnc compile`, `cnnc
// runtime`): names, options and entry points, without Halide.h (STYLE.md 1.2).
#pragma once

#include "compiler/ir/Graph.h"
#include "compiler/schedule/ScheduleKind.h"
#include "dsl/Diagnostic.h"

#include <string>
#include <vector>

namespace cnnc::emit {

/// The Halide runtime's archive in an output directory. One per program, whatever
/// the number of networks: each network library is built without the runtime
/// (Target::NoRuntime), because two copies of it in one link are duplicate symbols.
constexpr const char *kHalideRuntimeFile = "halide_runtime.a";

struct EmitOptions {
  std::string outputDir;       // created if missing
  std::string target = "host"; // a Halide target string
  std::string functionName;    // empty: the network's name; names the files too
  bool emitRuntime = true;     // also write DIR/halide_runtime.a for `target`
  std::string provenance;      // one line for NAME.hpp's comment ("schedule fused")
  std::string weightsPath;     // non-empty: embed these weights (safetensors) in the library
};

/// The function name options.functionName resolves to for `graph`.
std::string resolvedFunctionName(const ir::Graph &graph, const EmitOptions &options);

/// Whether `text` is a Halide target string ("host", "x86-64-linux-avx2",
/// "arm-64-linux", ...); reports the accepted syntax when it is not.
[[nodiscard]] bool checkTarget(const std::string &text, dsl::DiagnosticEngine &diags);

/// Whether `name` can name the generated C function, class and files: a C identifier
/// that is not a C++ keyword and does not start with "halide_" (the runtime's prefix).
/// Reports why not, at `loc` (the `network` line when the name comes from there).
[[nodiscard]] bool checkFunctionName(const std::string &name, dsl::SourceLocation loc,
                                     dsl::DiagnosticEngine &diags);

/// Lowers `graph`, applies the requested schedule for options.target and emits it
/// with emitLibrary: `cnnc compile` after the checks. Halide errors from any of those
/// steps, and an autoscheduler that cannot be loaded, become diagnostics. `decisions`,
/// if given, receives the schedule's decision lines (--explain-schedule) as soon as
/// the schedule is applied, even if emission fails later.
[[nodiscard]] bool compileLibrary(const ir::Graph &graph, const schedule::ScheduleRequest &request,
                                  const EmitOptions &options, dsl::DiagnosticEngine &diags,
                                  std::vector<std::string> *written = nullptr,
                                  std::vector<std::string> *decisions = nullptr);

/// Writes only DIR/halide_runtime.a for `target` (`cnnc runtime`), with the same
/// all-or-nothing guarantee.
[[nodiscard]] bool emitHalideRuntime(const std::string &outputDir, const std::string &target,
                                     dsl::DiagnosticEngine &diags,
                                     std::vector<std::string> *written = nullptr);

} // namespace cnnc::emit
