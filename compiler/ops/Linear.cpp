// linear: torch.nn.Linear on a 2-D input [N, F].
#include "compiler/ops/OpHelpers.h"
#include "compiler/ops/Ops.h"
#include "compiler/lower/LowerHelpers.h"

namespace cnnc::ops {

using namespace ir;

namespace {

std::optional<Attrs> buildLinearAttrs(AttrReader &reader) {
  bool present = reader.require("out_features");
  std::optional<int64_t> outFeatures = reader.getInt("out_features", 1, 1);
  std::optional<bool> bias = reader.getBool("bias", true);
  if (!present || !outFeatures || !bias)
    return std::nullopt;
  return LinearAttrs{*outFeatures, *bias};
}

std::optional<Shape> inferLinearShape(const ShapeContext &context) {
  const Shape &in = context.inputs[0];
  if (in.size() != 2) {
    context.diags.error(context.node.opLoc, "linear expects a 2-D input [N, F], found " +
                                                formatShape(in) + " (use flatten first)");
    return std::nullopt;
  }
  return Shape{in[0], std::get<LinearAttrs>(context.node.attrs).outFeatures};
}

std::vector<WeightSpec> linearWeights(const Node &node, const std::vector<Shape> &inputs) {
  const LinearAttrs &attrs = std::get<LinearAttrs>(node.attrs);
  std::vector<WeightSpec> specs = {{"weight", {attrs.outFeatures, inputs[0][1]}}};
  if (attrs.bias)
    specs.push_back({"bias", {attrs.outFeatures}});
  return specs;
}

void referenceLinear(const RefContext &context) {
  const LinearAttrs &attrs = std::get<LinearAttrs>(context.node.attrs);
  const RefTensor &in = *context.inputs[0];
  const RefTensor &weight = *context.weights[0];
  const int64_t features = in.shape[1];
  for (int64_t n = 0; n < in.shape[0]; ++n)
    for (int64_t o = 0; o < attrs.outFeatures; ++o) {
      double sum = attrs.bias ? context.weights[1]->data[static_cast<size_t>(o)] : 0.0;
      for (int64_t f = 0; f < features; ++f)
        sum += in.data[static_cast<size_t>(n * features + f)] *
               weight.data[static_cast<size_t>(o * features + f)];
      context.output.data[static_cast<size_t>(n * attrs.outFeatures + o)] = sum;
    }
}

int64_t linearFlops(const Node &node, const std::vector<Shape> &inputs) {
  return 2 * numel(node.shape) * inputs[0][1];
}


/// out(o, n) = bias(o) + sum over i of w(i, o) * in(i, n).
Halide::Func lowerLinear(const lower::LowerContext &context) {
  using lower::i32;
  const LinearAttrs &attrs = std::get<LinearAttrs>(context.node.attrs);
  const lower::LoweredTensor &in = context.inputs[0];
  const Halide::Var &f = lower::TensorVars::f(), &n = lower::TensorVars::n();
  Halide::RDom r(0, i32(in.shape[1]), "r");
  Halide::Func sum(context.funcName + "_acc");
  sum(f, n) = attrs.bias ? context.weights[1](f) : Halide::Expr(0.0f);
  sum(f, n) += context.weights[0](r, f) * in.func(r, n);
  *context.accumulator = sum;
  Halide::Func out = lower::newFunc(context);
  out(f, n) = sum(f, n);
  return out;
}

} // namespace

OpDef linear() {
  OpDef def("linear");
  def.summary = "fully connected layer: x W^T + b";
  def.torchEquivalent = "torch.nn.Linear";
  def.attrs = {{"out_features", "int >= 1", ""}, {"bias", "bool", "true"}};
  def.buildAttrs = buildLinearAttrs;
  def.inferShape = inferLinearShape;
  def.weights = linearWeights;
  def.reference = referenceLinear;
  def.flops = linearFlops;
  def.lower = lowerLinear;
  return def;
}

} // namespace cnnc::ops
