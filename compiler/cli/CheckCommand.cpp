// `cnnc check NET.cnn`: parse, check, and print each layer's output shape and cost.
#include "compiler/cli/Commands.h"
#include "compiler/cli/Format.h"
#include "compiler/cli/Frontend.h"
#include "compiler/cli/Options.h"
#include "compiler/ir/Cost.h"
#include "compiler/ir/OpDef.h"

#include <iostream>

namespace cnnc::cli {

using namespace ir;

namespace {

const char kCheckUsage[] = "usage: cnnc check NET.cnn";

void printGraphTable(const Graph &graph) {
  size_t nameWidth = 5, opWidth = 6, shapeWidth = 12;
  for (const Node &node : graph.nodes) {
    nameWidth = std::max(nameWidth, node.name.size());
    opWidth = std::max(opWidth, node.isInput() ? 5 : node.op->name.size());
    shapeWidth = std::max(shapeWidth, formatShape(node.shape).size());
  }
  std::cout << "network " << graph.name << "\n";
  std::cout << padRight("layer", nameWidth + 2) << padRight("op", opWidth + 2)
            << padRight("output shape", shapeWidth + 2) << padLeft("params", 12)
            << padLeft("FLOPs", 10) << "\n";
  int64_t params = 0, flops = 0;
  for (const Node &node : graph.nodes) {
    int64_t nodeParams = nodeParameters(graph, node), nodeFlopCount = nodeFlops(graph, node);
    params += nodeParams;
    flops += nodeFlopCount;
    std::cout << padRight(node.name, nameWidth + 2)
              << padRight(node.isInput() ? "input" : node.op->name, opWidth + 2)
              << padRight(formatShape(node.shape), shapeWidth + 2)
              << padLeft(withThousands(nodeParams), 12)
              << padLeft(withUnit(static_cast<double>(nodeFlopCount)), 10) << "\n";
  }
  std::cout << "total: " << graph.nodes.size() - graph.inputs.size() << " layers, "
            << withThousands(params) << " parameters, "
            << withUnit(static_cast<double>(flops)) << " FLOPs\n";
}

} // namespace

int runCheckCommand(const std::vector<std::string> &args) {
  std::string error;
  std::optional<ParsedOptions> options = parseOptions(args, {}, error);
  if (!options)
    return usageError("check", error, kCheckUsage);
  if (options->help) {
    std::cout << kCheckUsage << "\n\nParses and checks a network, then prints each layer's "
              << "operator, output shape,\nparameters and FLOPs (a multiply-add counts 2).\n\n"
              << formatOptionHelp({});
    return kExitSuccess;
  }
  if (options->positional.size() != 1)
    return usageError("check", "expected exactly one NET.cnn file", kCheckUsage);
  LoadedNetwork network = loadNetwork(options->positional[0]);
  std::cerr << network.diagnostics;
  if (!network.graph)
    return kExitUserError;
  printGraphTable(*network.graph);
  return kExitSuccess;
}

} // namespace cnnc::cli
