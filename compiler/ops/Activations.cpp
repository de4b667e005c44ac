// Element-wise activations: relu, relu6, sigmoid, tanh, leaky_relu.
#include "compiler/ops/OpHelpers.h"
#include "compiler/ops/Ops.h"
#include "compiler/lower/LowerHelpers.h"

#include <cmath>

namespace cnnc::ops {

using namespace ir;

namespace {

std::optional<Attrs> buildActivation(ActivationKind kind) { return ActivationAttrs{kind, 0.01}; }
std::optional<Attrs> buildRelu(AttrReader &) { return buildActivation(ActivationKind::Relu); }
std::optional<Attrs> buildRelu6(AttrReader &) { return buildActivation(ActivationKind::Relu6); }
std::optional<Attrs> buildSigmoid(AttrReader &) { return buildActivation(ActivationKind::Sigmoid); }
std::optional<Attrs> buildTanh(AttrReader &) { return buildActivation(ActivationKind::Tanh); }
std::optional<Attrs> buildLeakyRelu(AttrReader &reader) {
  std::optional<double> slope = reader.getFloat("negative_slope", 0.01);
  if (!slope)
    return std::nullopt;
  return ActivationAttrs{ActivationKind::LeakyRelu, *slope};
}

std::optional<Shape> inferSameShape(const ShapeContext &context) { return context.inputs[0]; }

double activate(const ActivationAttrs &attrs, double x) {
  switch (attrs.kind) {
  case ActivationKind::Relu:
    return x > 0.0 ? x : 0.0;
  case ActivationKind::Relu6:
    return std::min(std::max(x, 0.0), 6.0);
  case ActivationKind::Sigmoid:
    return 1.0 / (1.0 + std::exp(-x));
  case ActivationKind::Tanh:
    return std::tanh(x);
  case ActivationKind::LeakyRelu:
    return x >= 0.0 ? x : x * attrs.negativeSlope;
  }
  return x;
}

void referenceActivation(const RefContext &context) {
  const ActivationAttrs &attrs = std::get<ActivationAttrs>(context.node.attrs);
  mapElements(context, [&](double x) { return activate(attrs, x); });
}

int64_t activationFlops(const Node &node, const std::vector<Shape> &) { return numel(node.shape); }

Halide::Func lowerActivation(const lower::LowerContext &context);

OpDef activation(const char *name, const char *torch, const char *summary,
                 std::optional<Attrs> (*build)(AttrReader &)) {
  OpDef def(name);
  def.summary = summary;
  def.torchEquivalent = torch;
  def.buildAttrs = build;
  def.inferShape = inferSameShape;
  def.reference = referenceActivation;
  def.flops = activationFlops;
  def.lower = lowerActivation;
  def.pointwise = true;
  return def;
}

/// tanh from exp, which Halide vectorizes: Halide::tanh calls the C library's tanhf
/// one lane at a time (a 40-channel 40x40 convolution + tanh took 1.26 ms, oneDNN
/// 0.29). With e = exp(-2|x|) in (0, 1], (1 - e) / (1 + e) never overflows and is off by
/// a few units of 1e-7 absolutely; below |x| = 1/8, where that would be a large part of
/// a small result, the Taylor series to x^7 is (its first dropped term is 62 x^9 / 2835,
/// 1.3e-9 of x there).
Halide::Expr tanhFromExp(const Halide::Expr &v) {
  const Halide::Expr x2 = v * v;
  const Halide::Expr series = v * (1.0f + x2 * (-1.0f / 3 + x2 * (2.0f / 15 + x2 * (-17.0f / 315))));
  const Halide::Expr e = Halide::exp(-2.0f * Halide::abs(v));
  const Halide::Expr magnitude = (1.0f - e) / (1.0f + e);
  return Halide::select(Halide::abs(v) < 0.125f, series,
                        Halide::select(v < 0.0f, -magnitude, magnitude));
}

Halide::Expr activateExpr(const ActivationAttrs &attrs, const Halide::Expr &v) {
  switch (attrs.kind) {
  case ActivationKind::Relu:
    return Halide::max(v, 0.0f);
  case ActivationKind::Relu6:
    return Halide::clamp(v, 0.0f, 6.0f);
  case ActivationKind::Sigmoid:
    return 1.0f / (1.0f + Halide::exp(-v));
  case ActivationKind::Tanh:
    return tanhFromExp(v);
  case ActivationKind::LeakyRelu:
    return Halide::select(v >= 0.0f, v, v * static_cast<float>(attrs.negativeSlope));
  }
  return v;
}

Halide::Func lowerActivation(const lower::LowerContext &context) {
  const ActivationAttrs &attrs = std::get<ActivationAttrs>(context.node.attrs);
  const std::vector<Halide::Var> args = lower::tensorArgs(context.inputs[0].shape.size());
  Halide::Func out = lower::newFunc(context);
  out(args) = activateExpr(attrs, context.inputs[0].func(args));
  return out;
}

} // namespace

OpDef relu() { return activation("relu", "torch.nn.ReLU", "max(x, 0)", buildRelu); }
OpDef relu6() { return activation("relu6", "torch.nn.ReLU6", "min(max(x, 0), 6)", buildRelu6); }
OpDef sigmoid() {
  return activation("sigmoid", "torch.nn.Sigmoid", "1 / (1 + exp(-x))", buildSigmoid);
}
OpDef tanh() { return activation("tanh", "torch.nn.Tanh", "hyperbolic tangent", buildTanh); }
OpDef leakyRelu() {
  OpDef def = activation("leaky_relu", "torch.nn.LeakyReLU",
                         "x if x >= 0 else negative_slope * x", buildLeakyRelu);
  def.attrs = {{"negative_slope", "float", "0.01"}};
  return def;
}

} // namespace cnnc::ops
