// `cnnc explain NET.cnn`: per layer, the output shape, the receptive field on each
// network input, how far padding reaches, which positions never matter, and the cost;
// optionally as JSON (--json), as a Graphviz graph (--dot) and as a picture (--svg).
#include "compiler/bench/BenchReport.h"
#include "compiler/cli/Commands.h"
#include "compiler/cli/Format.h"
#include "compiler/cli/Frontend.h"
#include "compiler/cli/Options.h"
#include "compiler/explain/ExplainDot.h"
#include "compiler/explain/ExplainJson.h"
#include "compiler/explain/ExplainSvg.h"
#include "compiler/explain/Explanation.h"
#include "compiler/explain/Influence.h"
#include "compiler/import/Suggest.h"
#include "compiler/explain/LayerWindows.h"
#include "compiler/ir/OpDef.h"
#include "runtime/AtomicWrite.h"

#include <cstdio>
#include <iostream>
#include <regex>

namespace cnnc::cli {

using namespace ir;
using explain::LayerExplanation;

namespace {

const char kExplainUsage[] = "usage: cnnc explain NET.cnn [--json FILE] [--dot FILE] "
                             "[--svg FILE] [--layer NAME] [--position Y,X]";

const std::vector<OptionSpec> kExplainOptions = {
    {"--json", "", true, "also write every figure to FILE as JSON", "FILE"},
    {"--dot", "", true,
     "also write the network as a Graphviz graph: shapes, padding and pooling marked, the "
     "fused schedule's stages as clusters",
     "FILE"},
    {"--svg", "", true,
     "also draw what one output position depends on, layer by layer, and size and "
     "receptive field through depth",
     "FILE"},
    {"--layer", "", true,
     "the layer whose position --svg and --position follow (default: the first output if it "
     "has more than one position, else the last layer that has)",
     "NAME"},
    {"--position", "", true,
     "the output position (row, column) to follow (default: the centre, H/2,W/2)", "Y,X"},
};

const char kDefinitions[] =
    R"(Definitions (per axis; rows then columns; coordinates on the network input):
  rf     receptive field size: the extent of the input coordinates one output position
         can depend on, padded (virtual) coordinates included; dilation holes count
  jump   the distance on the input between the fields of neighbouring positions (the
         product of the strides)
  start  the first input coordinate of output (0, 0)'s field; negative in the padding
         (recurrences: rf' = rf + (k_eff - 1) * jump, jump' = jump * stride,
          start' = start - pad_begin * jump, k_eff = dilation * (kernel - 1) + 1)
  border the share of output positions whose field reaches into padding: this layer's
         or any earlier one's (zeros, reflect, replicate, circular, and pooling's
         implicit padding; a ceil_mode window's overhang past the padding reads
         nothing, as in PyTorch, and makes that window's field smaller instead)
  pad rd the share of the layer's reads (conv2d: multiply-accumulates) that read a
         padded value, in its own padding or in padding an explicit pad layer made
  idle   output positions that no network output depends on; for a network input, its
         pixels that never influence any output
Joins (add, concat) take the union of their operands' fields; * marks a field that is
not the same size everywhere or not evenly spaced (rf then shows the largest).
)";

std::string percentText(double share) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f%%", 100.0 * share);
  return text;
}

std::string fieldCells(const explain::InputField &field, size_t width) {
  if (!field.dependsOnInput)
    return padRight("-", width) + padRight("-", 8) + padRight("-", 10);
  const std::string rf = std::to_string(field.rows.size) + "x" + std::to_string(field.cols.size) +
                         (field.rows.regular && field.cols.regular ? "" : "*");
  return padRight(rf, width) +
         padRight(std::to_string(field.rows.jump) + "x" + std::to_string(field.cols.jump), 8) +
         padRight(std::to_string(field.rows.start) + "," + std::to_string(field.cols.start), 10);
}

std::string opText(const Graph &graph, const Node &node) {
  std::string text = node.isInput() ? "input" : node.op->name;
  const std::string window = explain::describeWindow(graph, node).text;
  return window.empty() ? text : text + " " + window;
}

void printTable(const Graph &graph, const explain::NetworkExplanation &explanation) {
  size_t nameWidth = 5, opWidth = 2, shapeWidth = 12;
  for (const Node &node : graph.nodes) {
    nameWidth = std::max(nameWidth, node.name.size());
    opWidth = std::max(opWidth, opText(graph, node).size());
    shapeWidth = std::max(shapeWidth, formatShape(node.shape).size());
  }
  const size_t rfWidth = 10;
  std::cout << "network " << graph.name << "\n"
            << padRight("layer", nameWidth + 2) << padRight("op", opWidth + 2)
            << padRight("output shape", shapeWidth + 2) << padRight("rf", rfWidth)
            << padRight("jump", 8) << padRight("start", 10) << padLeft("border", 7)
            << padLeft("pad rd", 8) << padLeft("idle", 9) << padLeft("FLOPs", 9)
            << padLeft("params", 11) << padLeft("act bytes", 11) << "\n";
  const bool manyInputs = graph.inputs.size() > 1;
  for (const LayerExplanation &layer : explanation.layers) {
    const Node &node = graph.nodes[layer.node];
    std::cout << padRight(node.name, nameWidth + 2) << padRight(opText(graph, node), opWidth + 2)
              << padRight(formatShape(node.shape), shapeWidth + 2);
    size_t shown = 0;
    while (shown + 1 < layer.fields.size() && !layer.fields[shown].dependsOnInput)
      ++shown;
    std::cout << fieldCells(layer.fields[shown], rfWidth)
              << padLeft(percentText(layer.borderShare()), 7)
              << padLeft(layer.paddedReadShare ? percentText(*layer.paddedReadShare) : "-", 8)
              << padLeft(withThousands(layer.idlePositions), 9)
              << padLeft(withUnit(double(layer.flops)), 9)
              << padLeft(withThousands(layer.parameters), 11)
              << padLeft(bench::formatBytes(layer.activationBytes), 11)
              << (manyInputs ? "  on " + graph.nodes[layer.fields[shown].input].name : "") << "\n";
    for (size_t k = shown + 1; manyInputs && k < layer.fields.size(); ++k)
      if (layer.fields[k].dependsOnInput)
        std::cout << std::string(nameWidth + opWidth + shapeWidth + 6, ' ')
                  << fieldCells(layer.fields[k], rfWidth) << "  on "
                  << graph.nodes[layer.fields[k].input].name << "\n";
  }
  std::cout << "total: " << graph.nodes.size() - graph.inputs.size() << " layers, "
            << withThousands(explanation.parameters) << " parameters, "
            << withUnit(double(explanation.flops)) << " FLOPs, "
            << bench::formatBytes(explanation.activationBytes) << " of activations\n";
  for (const LayerExplanation &layer : explanation.layers)
    if (graph.nodes[layer.node].isInput())
      std::cout << "input " << graph.nodes[layer.node].name << ": "
                << withThousands(layer.idlePositions) << " of " << withThousands(layer.positions)
                << " pixels never influence an output (" << layer.idleRows << " rows, "
                << layer.idleCols << " columns entirely)\n";
  if (!explanation.layers.empty() && !explanation.layers[0].idleExact)
    std::cout << "note: the tensors are too large to follow every position; idle counts "
                 "follow rows and columns separately (exact for chains)\n";
}

/// Where --svg and --position look: a layer and a position in it.
struct Focus {
  NodeId node = 0;
  int64_t y = 0, x = 0;
  bool requested = false; // --layer or --position given
};

/// The first output if it has more than one position, else the last layer that has
/// (a classifier's last feature map, before global pooling).
NodeId defaultFocusLayer(const Graph &graph) {
  auto manyPositions = [&graph](NodeId id) {
    return explain::nodeExtent(graph, id, SpatialAxis::Height) *
               explain::nodeExtent(graph, id, SpatialAxis::Width) >
           1;
  };
  const NodeId first = graph.outputs.front();
  if (manyPositions(first))
    return first;
  for (NodeId id = graph.nodes.size(); id-- > 0;)
    if (manyPositions(id))
      return id;
  return first;
}

/// The focus, or a usage error message.
std::optional<Focus> readFocus(const ParsedOptions &options, const Graph &graph,
                               std::string &error) {
  Focus focus;
  focus.requested = options.has("--layer") || options.has("--position");
  focus.node = defaultFocusLayer(graph);
  if (std::optional<std::string> name = options.get("--layer")) {
    std::optional<NodeId> found = graph.find(*name);
    if (!found) {
      std::vector<std::string> names;
      for (const Node &node : graph.nodes)
        names.push_back(node.name);
      error = "--layer '" + *name + "' names no layer of network " + graph.name +
              import::suggestion(*name, names);
      return std::nullopt;
    }
    focus.node = *found;
  }
  const int64_t height = explain::nodeExtent(graph, focus.node, SpatialAxis::Height);
  const int64_t width = explain::nodeExtent(graph, focus.node, SpatialAxis::Width);
  focus.y = height / 2;
  focus.x = width / 2;
  if (std::optional<std::string> position = options.get("--position")) {
    std::smatch match;
    static const std::regex kPair(R"(\s*(\d{1,9})\s*,\s*(\d{1,9})\s*)");
    if (!std::regex_match(*position, match, kPair)) {
      error =
          "--position expects Y,X (two non-negative integers, like 4,7), found '" + *position + "'";
      return std::nullopt;
    }
    focus.y = std::stoll(match[1]);
    focus.x = std::stoll(match[2]);
    if (focus.y >= height || focus.x >= width) {
      error = "--position " + std::to_string(focus.y) + "," + std::to_string(focus.x) +
              " is outside " + graph.nodes[focus.node].name + "'s " + std::to_string(height) + "x" +
              std::to_string(width) + " positions";
      return std::nullopt;
    }
  }
  return focus;
}

void printFocus(const Graph &graph, const Focus &focus) {
  std::cout << "\nposition (" << focus.y << ", " << focus.x << ") of "
            << graph.nodes[focus.node].name
            << " depends on (rows, columns of each tensor; outside the tensor is padding):\n";
  const auto regions = explain::influenceRegion(graph, focus.node, focus.y, focus.x);
  for (NodeId id = 0; id < graph.nodes.size(); ++id) {
    if (!regions[id])
      continue;
    const auto &[rows, cols] = *regions[id];
    const int64_t height = explain::nodeExtent(graph, id, SpatialAxis::Height);
    const int64_t width = explain::nodeExtent(graph, id, SpatialAxis::Width);
    std::cout << "  " << padRight(graph.nodes[id].name, 16) << "rows " << rows.first << ".."
              << rows.last << ", cols " << cols.first << ".." << cols.last << " (" << rows.size()
              << "x" << cols.size() << " of " << height << "x" << width << "), "
              << percentText(explain::regionPaddingShare(rows, cols, height, width))
              << " in padding\n";
  }
}

rt::Status writeText(const std::string &path, const std::string &text) {
  return rt::writeFileAtomically(path, {rt::ByteSpan{text.data(), text.size()}});
}

/// Writes each requested file; the first failure is a user error.
int writeFiles(const ParsedOptions &options, const Graph &graph,
               const explain::NetworkExplanation &explanation, const Focus &focus) {
  struct Output {
    const char *option;
    std::string (*render)(const Graph &, const explain::NetworkExplanation &, const Focus &);
  };
  const Output outputs[] = {
      {"--json", [](const Graph &g, const explain::NetworkExplanation &e,
                    const Focus &) { return explain::explanationJson(g, e); }},
      {"--dot", [](const Graph &g, const explain::NetworkExplanation &e,
                   const Focus &) { return explain::explanationDot(g, e); }},
      {"--svg", [](const Graph &g, const explain::NetworkExplanation &e, const Focus &f) {
         return explain::explanationSvg(g, e, f.node, f.y, f.x);
       }}};
  for (const Output &output : outputs) {
    std::optional<std::string> path = options.get(output.option);
    if (!path)
      continue;
    if (rt::Status status = writeText(*path, output.render(graph, explanation, focus)); !status)
      return userError(status.error().message);
    std::cerr << "wrote " << *path << "\n";
  }
  return kExitSuccess;
}

} // namespace

int runExplainCommand(const std::vector<std::string> &args) {
  std::string error;
  std::optional<ParsedOptions> options = parseOptions(args, kExplainOptions, error);
  if (!options)
    return usageError("explain", error, kExplainUsage);
  if (options->help) {
    std::cout << kExplainUsage
              << "\n\nPrints, for every layer, the output shape, the receptive field on each "
                 "network\ninput, how far padding reaches, which positions never matter, and "
                 "FLOPs,\nparameters and activation bytes. Nothing is compiled or run.\n\n"
              << kDefinitions << "\n"
              << formatOptionHelp(kExplainOptions);
    return kExitSuccess;
  }
  if (options->positional.size() != 1)
    return usageError("explain", "expected exactly one NET.cnn file", kExplainUsage);
  LoadedNetwork network = loadNetwork(options->positional[0]);
  std::cerr << network.diagnostics;
  if (!network.graph)
    return kExitUserError;
  const Graph &graph = *network.graph;
  std::optional<Focus> focus = readFocus(*options, graph, error);
  if (!focus)
    return usageError("explain", error, kExplainUsage);
  const explain::NetworkExplanation explanation = explain::explainNetwork(graph);
  printTable(graph, explanation);
  if (focus->requested)
    printFocus(graph, *focus);
  return writeFiles(*options, graph, explanation, *focus);
}

} // namespace cnnc::cli
