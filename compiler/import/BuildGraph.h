// Turns a parsed module into the checked graph: resolves names and operators, types
// the attributes, rejects cycles, infers every shape and checks every rule of SPEC
// section 1, reporting each problem at the token that causes it.
#pragma once

#include "compiler/ir/Graph.h"
#include "dsl/AST.h"
#include "dsl/Diagnostic.h"

#include <optional>

namespace cnnc::import {

/// The graph, or nullopt when any error was reported. Warnings (a layer that reaches
/// no output) leave the graph usable.
std::optional<ir::Graph> buildGraph(const dsl::Module &module, dsl::DiagnosticEngine &diags);

} // namespace cnnc::import
