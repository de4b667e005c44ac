// The shared first step of every subcommand: source file -> checked graph.
#include "compiler/cli/Frontend.h"

#include "compiler/import/BuildGraph.h"
#include "dsl/Parser.h"

namespace cnnc::cli {

LoadedNetwork loadNetwork(const std::string &path) {
  LoadedNetwork result;
  std::string error;
  std::optional<dsl::SourceFile> file = dsl::SourceFile::load(path, error);
  if (!file) {
    dsl::DiagnosticEngine diags(nullptr);
    diags.error({}, error);
    result.diagnostics = diags.renderAll();
    return result;
  }
  result.source = std::make_unique<dsl::SourceFile>(std::move(*file));
  dsl::DiagnosticEngine diags(result.source.get());
  dsl::Module module = dsl::parseModule(*result.source, diags);
  result.graph = import::buildGraph(module, diags);
  result.diagnostics = diags.renderAll();
  return result;
}

} // namespace cnnc::cli
