// batch_norm: torch.nn.BatchNorm2d in inference mode (running statistics).
#include "compiler/ops/OpHelpers.h"
#include "compiler/ops/Ops.h"
#include "compiler/lower/LowerHelpers.h"

#include <cmath>

namespace cnnc::ops {

using namespace ir;

namespace {

std::optional<Attrs> buildBatchNormAttrs(AttrReader &reader) {
  std::optional<double> eps = reader.getFloat("eps", 1e-5);
  if (!eps)
    return std::nullopt;
  if (*eps < 0.0) {
    reader.errorAt("eps", "'eps' must be non-negative");
    return std::nullopt;
  }
  return BatchNormAttrs{*eps};
}

std::optional<Shape> inferBatchNormShape(const ShapeContext &context) {
  if (!requireRank(context, 0, {4, 2}))
    return std::nullopt;
  return context.inputs[0];
}

std::vector<WeightSpec> batchNormWeights(const Node &, const std::vector<Shape> &inputs) {
  const int64_t channels = inputs[0][1];
  return {{"weight", {channels}},
          {"bias", {channels}},
          {"running_mean", {channels}},
          {"running_var", {channels}, /*positive=*/true}};
}

void referenceBatchNorm(const RefContext &context) {
  const double eps = std::get<BatchNormAttrs>(context.node.attrs).eps;
  const RefTensor &in = *context.inputs[0];
  const int64_t channels = in.shape[1];
  const int64_t plane = in.shape.size() == 4 ? in.shape[2] * in.shape[3] : 1;
  for (size_t i = 0; i < in.data.size(); ++i) {
    const size_t c = static_cast<size_t>((static_cast<int64_t>(i) / plane) % channels);
    const double scale = context.weights[0]->data[c] / std::sqrt(context.weights[3]->data[c] + eps);
    context.output.data[i] =
        (in.data[i] - context.weights[2]->data[c]) * scale + context.weights[1]->data[c];
  }
}

int64_t batchNormFlops(const Node &node, const std::vector<Shape> &) {
  return 2 * numel(node.shape);
}


/// scale = weight / sqrt(running_var + eps); shift = bias - running_mean * scale.
void batchNormAffine(const lower::LowerContext &context, Halide::Func &scale, Halide::Func &shift) {
  const double eps = std::get<BatchNormAttrs>(context.node.attrs).eps;
  Halide::Var ch("ch");
  scale = Halide::Func(context.funcName + "_scale");
  shift = Halide::Func(context.funcName + "_shift");
  scale(ch) = context.weights[0](ch) /
              Halide::sqrt(context.weights[3](ch) + static_cast<float>(eps));
  shift(ch) = context.weights[1](ch) - context.weights[2](ch) * scale(ch);
}

/// The stand-alone form (no convolution to fold into): out = in * scale(c) + shift(c).
Halide::Func lowerBatchNorm(const lower::LowerContext &context) {
  Halide::Func scale, shift;
  batchNormAffine(context, scale, shift);
  const std::vector<Halide::Var> args = lower::tensorArgs(context.inputs[0].shape.size());
  const Halide::Var &channel = args.size() == 4 ? args[2] : args[0];
  Halide::Func out = lower::newFunc(context);
  out(args) = context.inputs[0].func(args) * scale(channel) + shift(channel);
  return out;
}

} // namespace

OpDef batchNorm() {
  OpDef def("batch_norm");
  def.summary = "per-channel normalization with running statistics (inference)";
  def.torchEquivalent = "torch.nn.BatchNorm2d (eval mode)";
  def.attrs = {{"eps", "float >= 0", "1e-5"}};
  def.buildAttrs = buildBatchNormAttrs;
  def.inferShape = inferBatchNormShape;
  def.weights = batchNormWeights;
  def.reference = referenceBatchNorm;
  def.flops = batchNormFlops;
  def.lower = lowerBatchNorm;
  def.pointwise = true;
  def.channelAffine = batchNormAffine;
  return def;
}

} // namespace cnnc::ops
