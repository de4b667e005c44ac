// Ahead-of-time emission (`cnnc compile`): a scheduled network becomes a static
// library, Halide's header and the C++ wrapper header; the Halide runtime is emitted
// on its own, once per program.
#pragma once

#include "compiler/emit/Compile.h"
#include "compiler/ir/Graph.h"
#include "compiler/lower/LowerToHalide.h"
#include "compiler/schedule/Schedule.h"
#include "dsl/Diagnostic.h"

#include <Halide.h>
#include <optional>
#include <string>
#include <vector>

namespace cnnc::emit {

/// Parses a Halide target string ("host", "x86-64-linux-avx2", "arm-64-linux", ...);
/// an unknown one is an error that lists the accepted syntax.
std::optional<Halide::Target> parseTarget(const std::string &text, dsl::DiagnosticEngine &diags);

/// Writes DIR/NAME.a (the network without the Halide runtime, taking a user context;
/// with options.weightsPath also NAME_embedded_weights and the weights as constants),
/// DIR/NAME.h (Halide's header), DIR/NAME.hpp (the C++ wrapper), DIR/NAME_cnnc.h (the
/// C descriptor) and, with options.emitRuntime, DIR/halide_runtime.a. Everything is
/// written to DIR/.tmp-XXXXXX first and moved into DIR only when all succeeded; on
/// failure DIR is left as it was. Halide's compile errors and weights that do not fit
/// the network become diagnostics here. `written`, if given, receives the paths of
/// the files now in DIR, sorted.
[[nodiscard]] bool emitLibrary(const ir::Graph &graph, lower::LoweredNetwork &network,
                               const EmitOptions &options, dsl::DiagnosticEngine &diags,
                               std::vector<std::string> *written = nullptr);

} // namespace cnnc::emit
