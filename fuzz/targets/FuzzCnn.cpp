// Fuzz target: the front end (lexer, parser) and the checker (import::buildGraph, the
// operators' attribute and shape rules, the cost model), on arbitrary bytes as a .cnn
// file. Besides not crashing, checks what the front end promises: a graph exactly
// when no error was reported, and every diagnostic at a place inside the file.
#include "FuzzInput.h"

#include "compiler/import/BuildGraph.h"
#include "compiler/ir/Cost.h"
#include "dsl/Parser.h"

#include <string>

using namespace cnnc;

namespace {

void checkLocations(const dsl::SourceFile &file, const dsl::DiagnosticEngine &diags) {
  for (const dsl::Diagnostic &diagnostic : diags.diagnostics()) {
    const dsl::SourceLocation &loc = diagnostic.loc;
    if (!loc.isValid())
      continue;
    // Line count + 1: an error at the end of a file without a final newline.
    if (loc.line > file.lineCount() + 1 || loc.column == 0 ||
        loc.column > file.lineText(loc.line).size() + 1)
      fuzz::fail("diagnostic outside the file at " + std::to_string(loc.line) + ":" +
                 std::to_string(loc.column) + ": " + diagnostic.message);
  }
}

void checkGraph(const ir::Graph &graph) {
  // The numbers `cnnc check` prints; their overflow checks are part of the checker.
  if (ir::graphFlops(graph) < 0 || ir::graphParameters(graph) < 0)
    fuzz::fail("negative FLOPs or parameter count");
  for (const ir::NamedWeight &weight : ir::graphWeights(graph))
    for (int64_t dim : weight.spec.shape)
      if (dim < 1)
        fuzz::fail("weight '" + weight.name + "' with a dimension below 1");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  dsl::SourceFile file("fuzz.cnn", std::string(reinterpret_cast<const char *>(data), size));
  dsl::DiagnosticEngine diags(&file);
  dsl::Module module = dsl::parseModule(file, diags);
  std::optional<ir::Graph> graph = import::buildGraph(module, diags);
  if (bool(graph) == diags.hasErrors())
    fuzz::fail(graph ? "a graph despite errors" : "no graph and no error");
  checkLocations(file, diags);
  std::string rendered = diags.renderAll();
  if (diags.hasErrors() && rendered.find("error: ") == std::string::npos)
    fuzz::fail("errors rendered without 'error: '");
  if (graph)
    checkGraph(*graph);
  return 0;
}
