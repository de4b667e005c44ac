// Reads, parses and checks a .cnn file: what every subcommand starts with.
#pragma once

#include "compiler/ir/Graph.h"
#include "dsl/Diagnostic.h"
#include "dsl/SourceFile.h"

#include <memory>
#include <optional>
#include <string>

namespace cnnc::cli {

struct LoadedNetwork {
  std::unique_ptr<dsl::SourceFile> source; // diagnostics point into it
  std::optional<ir::Graph> graph;          // nullopt when any error was reported
  std::string diagnostics;                 // rendered errors and warnings
};

LoadedNetwork loadNetwork(const std::string &path);

} // namespace cnnc::cli
