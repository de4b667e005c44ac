// softmax: torch.softmax along one dimension.
#include "compiler/ops/OpHelpers.h"
#include "compiler/ops/Ops.h"
#include "compiler/lower/LowerHelpers.h"

#include <cmath>
#include <limits>

namespace cnnc::ops {

using namespace ir;

namespace {

std::optional<Attrs> buildSoftmaxAttrs(AttrReader &reader) {
  std::optional<int64_t> dim = reader.getInt("dim", 1, 0);
  if (!dim)
    return std::nullopt;
  return AxisAttrs{*dim};
}

std::optional<Shape> inferSoftmaxShape(const ShapeContext &context) {
  const int64_t dim = std::get<AxisAttrs>(context.node.attrs).dim;
  const Shape &in = context.inputs[0];
  if (dim < static_cast<int64_t>(in.size()))
    return in;
  context.diags.error(context.node.attrLoc("dim"), "'dim' " + std::to_string(dim) +
                                                       " is out of range for " +
                                                       formatShape(in));
  return std::nullopt;
}

void referenceSoftmax(const RefContext &context) {
  const size_t dim = static_cast<size_t>(std::get<AxisAttrs>(context.node.attrs).dim);
  const RefTensor &in = *context.inputs[0];
  int64_t outer = 1, inner = 1;
  for (size_t d = 0; d < dim; ++d)
    outer *= in.shape[d];
  for (size_t d = dim + 1; d < in.shape.size(); ++d)
    inner *= in.shape[d];
  const int64_t extent = in.shape[dim];
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      auto index = [&](int64_t k) { return static_cast<size_t>((o * extent + k) * inner + i); };
      double top = -std::numeric_limits<double>::infinity();
      for (int64_t k = 0; k < extent; ++k)
        top = std::max(top, in.data[index(k)]);
      double sum = 0.0;
      for (int64_t k = 0; k < extent; ++k)
        sum += std::exp(in.data[index(k)] - top);
      for (int64_t k = 0; k < extent; ++k)
        context.output.data[index(k)] = std::exp(in.data[index(k)] - top) / sum;
    }
}

int64_t softmaxFlops(const Node &node, const std::vector<Shape> &) { return 4 * numel(node.shape); }

/// Along a spatial `dim`, every output reads the whole axis (stride 0: the same taps).
AxisWindow softmaxAxisWindow(const Node &node, const std::vector<Shape> &inputs, size_t,
                             SpatialAxis axis) {
  const int64_t dim = std::get<AxisAttrs>(node.attrs).dim;
  if (inputs[0].size() != 4 || dim != (axis == SpatialAxis::Height ? 2 : 3))
    return AxisWindow{};
  AxisWindow window = wholeAxisWindow(spatialExtent(inputs[0], axis));
  window.stride = 0;
  return window;
}

/// exp(x - max) / sum(exp(x - max)) along `dim`, the numerically stable form.
Halide::Func lowerSoftmax(const lower::LowerContext &context) {
  using lower::i32;
  const size_t dim = static_cast<size_t>(std::get<AxisAttrs>(context.node.attrs).dim);
  const lower::LoweredTensor &in = context.inputs[0];
  const std::vector<Halide::Var> args = lower::tensorArgs(in.shape.size());
  const size_t axis = in.shape.size() - 1 - dim;
  std::vector<Halide::Var> reduced = args;
  reduced.erase(reduced.begin() + static_cast<long>(axis));
  Halide::RDom r(0, i32(in.shape[dim]), "r");
  std::vector<Halide::Expr> at(args.begin(), args.end());
  at[axis] = r;
  Halide::Func top(context.funcName + "_max"), total(context.funcName + "_sum");
  top(reduced) = Halide::maximum(in.func(at));
  total(reduced) = Halide::sum(Halide::exp(in.func(at) - top(reduced)));
  Halide::Func out = lower::newFunc(context);
  out(args) = Halide::exp(in.func(args) - top(reduced)) / total(reduced);
  return out;
}

} // namespace

OpDef softmax() {
  OpDef def("softmax");
  def.summary = "exp(x) / sum(exp(x)) along a dimension";
  def.torchEquivalent = "torch.softmax";
  def.attrs = {{"dim", "int, 0 to rank-1", "1"}};
  def.buildAttrs = buildSoftmaxAttrs;
  def.inferShape = inferSoftmaxShape;
  def.reference = referenceSoftmax;
  def.flops = softmaxFlops;
  def.axisWindow = softmaxAxisWindow;
  def.lower = lowerSoftmax;
  return def;
}

} // namespace cnnc::ops
