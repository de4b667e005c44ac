// Element-wise activations, Clip as relu/relu6, and Softmax.
#include "compiler/import/onnx/CnnWriter.h"
#include "compiler/import/onnx/ConvertHelpers.h"
#include "compiler/import/onnx/Converters.h"

#include <cmath>
#include <limits>

namespace cnnc::onnximport {

namespace {

bool convertUnary(ConvertContext &ctx, const onnx::NodeProto &node, const std::string &op,
                  std::vector<CnnAttr> attrs = {}) {
  std::optional<TensorRef> x = ctx.tensorInput(node, 0);
  if (!x)
    return false;
  CnnLayer layer;
  layer.op = op;
  layer.operands = {*x};
  layer.attrs = std::move(attrs);
  ctx.defineTensor(node.output(0), ctx.addLayer(node, std::move(layer)));
  return true;
}

/// A Clip bound: input `i` (opset 11 on) or attribute `name` (older exporters).
std::optional<float> clipBound(ConvertContext &ctx, const onnx::NodeProto &node, int i,
                               const std::string &name, float fallback) {
  if (ConvertContext::hasInput(node, i)) {
    const Constant *c = ctx.constantInput(node, i, "the " + name + " bound");
    if (!c)
      return std::nullopt;
    if (c->numel() != 1) {
      ctx.fail(node, "the " + name + " bound must be a scalar, found shape " + formatDims(c->dims));
      return std::nullopt;
    }
    return static_cast<float>(c->at(0));
  }
  return ctx.attrFloat(node, name, fallback);
}

} // namespace

bool convertRelu(ConvertContext &ctx, const onnx::NodeProto &node) {
  return ctx.checkArity(node, 1, 1) && ctx.checkAttributes(node, {}) &&
         convertUnary(ctx, node, "relu");
}

bool convertSigmoid(ConvertContext &ctx, const onnx::NodeProto &node) {
  return ctx.checkArity(node, 1, 1) && ctx.checkAttributes(node, {}) &&
         convertUnary(ctx, node, "sigmoid");
}

bool convertTanh(ConvertContext &ctx, const onnx::NodeProto &node) {
  return ctx.checkArity(node, 1, 1) && ctx.checkAttributes(node, {}) &&
         convertUnary(ctx, node, "tanh");
}

bool convertLeakyRelu(ConvertContext &ctx, const onnx::NodeProto &node) {
  if (!ctx.checkArity(node, 1, 1) || !ctx.checkAttributes(node, {"alpha"}))
    return false;
  float alpha = ctx.attrFloat(node, "alpha", 0.01f);
  if (!std::isfinite(alpha))
    return ctx.fail(node, "alpha must be finite");
  return convertUnary(ctx, node, "leaky_relu", {{"negative_slope", cnnFloat(alpha)}});
}

bool convertClip(ConvertContext &ctx, const onnx::NodeProto &node) {
  if (!ctx.checkArity(node, 1, 3) || !ctx.checkAttributes(node, {"min", "max"}))
    return false;
  const float inf = std::numeric_limits<float>::infinity();
  std::optional<float> lo = clipBound(ctx, node, 1, "min", -inf);
  std::optional<float> hi = clipBound(ctx, node, 2, "max", inf);
  if (!lo || !hi)
    return false;
  if (*lo == 0.0f && *hi == 6.0f)
    return convertUnary(ctx, node, "relu6");
  if (*lo == 0.0f && *hi == inf)
    return convertUnary(ctx, node, "relu");
  return ctx.fail(node, "bounds [" + cnnFloat(*lo) + ", " + cnnFloat(*hi) +
                            "] are not supported; only [0, 6] (relu6) and [0, inf) (relu) are");
}

bool convertSoftmax(ConvertContext &ctx, const onnx::NodeProto &node) {
  if (!ctx.checkArity(node, 1, 1) || !ctx.checkAttributes(node, {"axis"}))
    return false;
  std::optional<TensorRef> x = ctx.tensorInput(node, 0);
  if (!x)
    return false;
  const ir::Shape &shape = ctx.shapeOf(*x);
  // Opset 13 made Softmax per-axis with default -1; before, it flattened the input to
  // 2-D at `axis` (default 1), which is a per-axis softmax only when every axis after
  // it has size 1.
  bool perAxis = ctx.opset() >= 13;
  std::optional<int64_t> axis =
      normalizeAxis(ctx, node, ctx.attrInt(node, "axis", perAxis ? -1 : 1), shape.size());
  if (!axis)
    return false;
  if (!perAxis)
    for (size_t d = static_cast<size_t>(*axis) + 1; d < shape.size(); ++d)
      if (shape[d] != 1)
        return ctx.fail(node, "before opset 13 Softmax normalizes over all axes from " +
                                  std::to_string(*axis) + " on, which for shape " +
                                  formatDims(shape) + " is not one axis");
  return convertUnary(ctx, node, "softmax", {{"dim", cnnInt(*axis)}});
}

bool convertBatchNormalization(ConvertContext &ctx, const onnx::NodeProto &node) {
  if (!ctx.checkArity(node, 5, 5) ||
      !ctx.checkAttributes(node, {"epsilon", "momentum", "training_mode"}))
    return false;
  if (ctx.attrInt(node, "training_mode", 0) != 0)
    return ctx.fail(node, "training_mode=1 is not supported (cnnc runs inference: running statistics)");
  std::optional<TensorRef> x = ctx.tensorInput(node, 0);
  if (!x)
    return false;
  const ir::Shape &shape = ctx.shapeOf(*x);
  if (shape.size() < 2)
    return ctx.fail(node, "input has shape " + formatDims(shape) + "; expected [N, C, ...]");
  int64_t channels = shape[1];
  const char *names[] = {"weight", "bias", "running_mean", "running_var"};
  const char *roles[] = {"the scale", "the bias", "the mean", "the variance"};
  CnnLayer bn;
  bn.op = "batch_norm";
  bn.operands = {*x};
  for (int i = 0; i < 4; ++i) {
    const Constant *c = floatVector(ctx, node, i + 1, roles[i], channels);
    if (!c)
      return false;
    bn.weights.emplace_back(names[i], toTensor(*c, {channels}));
  }
  bn.modulePathHint = modulePathFromWeight(node.input(1), "weight");
  float eps = ctx.attrFloat(node, "epsilon", 1e-5f);
  if (eps != 1e-5f)
    bn.attrs.push_back({"eps", cnnFloat(eps)});
  ctx.defineTensor(node.output(0), ctx.addLayer(node, std::move(bn)));
  return true;
}

} // namespace cnnc::onnximport
