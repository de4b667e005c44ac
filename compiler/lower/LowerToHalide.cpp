// Lowers every node with its OpDef's algorithm, in topological order. Network inputs
// and weights become ImageParams with static extents; a batch-norm that folds into its
// convolution is lowered as part of the convolution.
#include "compiler/lower/LowerToHalide.h"

#include "compiler/ir/OpDef.h"
#include "compiler/lower/LowerHelpers.h"
#include "compiler/passes/FoldBatchNorm.h"

#include <algorithm>

namespace cnnc::lower {

using namespace ir;

std::string halideArgumentName(const std::string &tensorName) {
  std::string name = tensorName;
  std::replace(name.begin(), name.end(), '.', '_');
  return name;
}

std::vector<Halide::Argument> LoweredNetwork::arguments() const {
  std::vector<Halide::Argument> args;
  for (const Halide::ImageParam &param : inputs)
    args.push_back(param);
  for (size_t k : runWeights)
    args.push_back(weights[k]);
  for (const PreparedWeight &weight : prepared)
    args.push_back(weight.buffer);
  return args;
}

std::vector<Halide::Argument> LoweredNetwork::prepareArguments() const {
  std::vector<Halide::Argument> args;
  for (size_t k : prepareWeights)
    args.push_back(weights[k]);
  return args;
}

std::optional<Halide::Pipeline> LoweredNetwork::preparePipeline() const {
  if (prepared.empty())
    return std::nullopt;
  std::vector<Halide::Func> definitions;
  for (const PreparedWeight &weight : prepared)
    definitions.push_back(weight.definition);
  return Halide::Pipeline(definitions);
}

Halide::Func WeightPreparation::prepare(const Halide::Func &definition,
                                        std::vector<int64_t> extents) {
  Halide::ImageParam buffer(Halide::Float(32), static_cast<int>(extents.size()),
                            definition.name() + "_prepared");
  int stride = 1;
  for (size_t d = 0; d < extents.size(); ++d) {
    const int extent = static_cast<int>(extents[d]);
    buffer.dim(static_cast<int>(d)).set_bounds(0, extent).set_stride(stride);
    stride *= extent;
  }
  prepared_.push_back({definition, buffer, std::move(extents)});
  return buffer;
}

namespace {

/// Declares the extents of a parameter buffer: dense, mins at zero, dimensions
/// reversed. Halide checks them on every call and can specialize on them.
Halide::ImageParam staticParam(const std::string &name, const Shape &shape) {
  Halide::ImageParam param(Halide::Float(32), static_cast<int>(shape.size()), name);
  int stride = 1;
  for (size_t d = 0; d < shape.size(); ++d) {
    const int extent = static_cast<int>(shape[shape.size() - 1 - d]);
    param.dim(static_cast<int>(d)).set_bounds(0, extent).set_stride(stride);
    stride *= extent;
  }
  return param;
}

class Lowerer {
public:
  Lowerer(const Graph &graph, const LowerOptions &options)
      : graph_(graph),
        folds_(options.foldBatchNorm ? passes::planBatchNormFolds(graph)
                                     : std::vector<std::optional<NodeId>>(graph.nodes.size())),
        winograd_(options.winograd), winogradRowOffset_(options.winogradRowOffset),
        unclampedRows_(options.unclampedRows), skipPaddingTaps_(options.skipPaddingTaps) {}
  LoweredNetwork run();

private:
  void declareParameters();
  std::string funcName(NodeId id) const;
  std::vector<LoweredWeight> weightsOf(NodeId id) const;
  void lowerNode(NodeId id);

  const Graph &graph_;
  std::vector<std::optional<NodeId>> folds_;
  std::vector<bool> winograd_;
  std::vector<int> winogradRowOffset_;
  std::vector<bool> unclampedRows_;
  std::vector<bool> skipPaddingTaps_;
  LoweredNetwork network_;
  std::vector<size_t> firstWeight_; // index into network_.weights per node
  WeightPreparation preparation_;

  /// Indices of the raw weights `pipeline` reads, in network_.weights order.
  std::vector<size_t> weightsReadBy(Halide::Pipeline pipeline) const;
};

std::vector<size_t> Lowerer::weightsReadBy(Halide::Pipeline pipeline) const {
  std::vector<std::string> read;
  for (const Halide::Argument &argument : pipeline.infer_arguments())
    read.push_back(argument.name);
  std::vector<size_t> indices;
  for (size_t k = 0; k < network_.weights.size(); ++k)
    if (std::find(read.begin(), read.end(), network_.weights[k].name()) != read.end())
      indices.push_back(k);
  return indices;
}

void Lowerer::declareParameters() {
  for (NodeId id : graph_.inputs)
    network_.inputs.push_back(
        staticParam(halideArgumentName(graph_.nodes[id].name), graph_.nodes[id].shape));
  firstWeight_.assign(graph_.nodes.size(), 0);
  std::vector<bool> seen(graph_.nodes.size());
  for (const NamedWeight &weight : graphWeights(graph_)) {
    if (!seen[weight.node]) {
      seen[weight.node] = true;
      firstWeight_[weight.node] = network_.weights.size();
    }
    network_.weights.push_back(staticParam(halideArgumentName(weight.name), weight.spec.shape));
    network_.weightNames.push_back(weight.name);
  }
}

/// Output functions carry the tensor's name (it becomes the AOT argument's name);
/// internal ones a numbered name that cannot collide with any argument.
std::string Lowerer::funcName(NodeId id) const {
  NodeId named = id;
  for (NodeId other = 0; other < folds_.size(); ++other)
    if (folds_[other] == id)
      named = other; // the conv's function is the folded batch-norm's value
  if (std::find(graph_.outputs.begin(), graph_.outputs.end(), named) != graph_.outputs.end())
    return halideArgumentName(graph_.nodes[named].name);
  return "t" + std::to_string(id) + "_" + graph_.nodes[id].name;
}

std::vector<LoweredWeight> Lowerer::weightsOf(NodeId id) const {
  const Node &node = graph_.nodes[id];
  std::vector<LoweredWeight> weights;
  if (!node.op->weights)
    return weights;
  const size_t count = node.op->weights(node, operandShapes(graph_, node)).size();
  for (size_t k = 0; k < count; ++k)
    weights.push_back(network_.weights[firstWeight_[id] + k]);
  return weights;
}

void Lowerer::lowerNode(NodeId id) {
  const Node &node = graph_.nodes[id];
  if (folds_[id]) {
    network_.nodeFuncs[id] = network_.nodeFuncs[*folds_[id]];
    network_.foldedAway[id] = true;
    return;
  }
  Halide::Func accumulator, windowInput;
  int64_t channelBlock = 0;
  bool windowInputPerChannel = false, paddingTapsSkipped = false;
  LowerContext context{node,         funcName(id), {},           weightsOf(id), {}, {},
                       &accumulator, &windowInput, &preparation_, &channelBlock};
  context.windowInputPerChannel = &windowInputPerChannel;
  for (NodeId operand : node.operands)
    context.inputs.push_back(network_.nodeFuncs[operand]);
  WinogradFuncs winograd;
  context.winograd = id < winograd_.size() && winograd_[id] && node.op->admitsWinograd &&
                     node.op->admitsWinograd(node, operandShapes(graph_, node));
  context.winogradRowOffset = id < winogradRowOffset_.size() ? winogradRowOffset_[id] : 0;
  context.winogradFuncs = &winograd;
  context.unclampedRows = id < unclampedRows_.size() && unclampedRows_[id];
  context.skipPaddingTaps = id < skipPaddingTaps_.size() && skipPaddingTaps_[id];
  context.paddingTapsSkipped = &paddingTapsSkipped;
  for (NodeId other = 0; other < folds_.size(); ++other) {
    if (folds_[other] != id)
      continue;
    const Node &affine = graph_.nodes[other];
    LowerContext affineContext{affine, funcName(other), context.inputs, weightsOf(other),
                               {}, {}, nullptr, nullptr, nullptr, nullptr};
    affine.op->channelAffine(affineContext, context.foldedScale, context.foldedShift);
  }
  Halide::Func func = node.op->lower(context);
  network_.nodeFuncs[id] = {func,
                            node.shape,
                            accumulator,
                            windowInput,
                            channelBlock,
                            windowInputPerChannel,
                            paddingTapsSkipped,
                            winograd};
}

LoweredNetwork Lowerer::run() {
  declareParameters();
  network_.nodeFuncs.resize(graph_.nodes.size());
  network_.foldedAway.assign(graph_.nodes.size(), false);
  for (size_t k = 0; k < graph_.inputs.size(); ++k)
    network_.nodeFuncs[graph_.inputs[k]] = {
        network_.inputs[k], graph_.nodes[graph_.inputs[k]].shape, {}, {}, 0, false, false, {}};
  for (NodeId id = 0; id < graph_.nodes.size(); ++id)
    if (!graph_.nodes[id].isInput())
      lowerNode(id);
  for (NodeId id : graph_.outputs) {
    const Node &node = graph_.nodes[id];
    Halide::Func func = network_.nodeFuncs[id].func;
    if (node.isInput()) {
      // An output that is an input still needs a function of its own to write.
      Halide::Func copy(halideArgumentName(node.name) + "_out");
      std::vector<Halide::Var> args = tensorArgs(node.shape.size());
      copy(args) = func(args);
      func = copy;
    }
    network_.outputs.push_back(func);
  }
  network_.prepared = std::move(preparation_.all());
  network_.runWeights = weightsReadBy(network_.pipeline());
  if (std::optional<Halide::Pipeline> prepare = network_.preparePipeline())
    network_.prepareWeights = weightsReadBy(*prepare);
  return std::move(network_);
}

} // namespace

LoweredNetwork lowerToHalide(const Graph &graph, const LowerOptions &options) {
  return Lowerer(graph, options).run();
}

} // namespace cnnc::lower
