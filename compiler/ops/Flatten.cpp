// flatten: torch.flatten(x, 1), [N, C, H, W] -> [N, C*H*W].
#include "compiler/ops/OpHelpers.h"
#include "compiler/ops/Ops.h"
#include "compiler/lower/LowerHelpers.h"

namespace cnnc::ops {

using namespace ir;

namespace {

std::optional<Attrs> buildFlattenAttrs(AttrReader &) { return std::monostate{}; }

std::optional<Shape> inferFlattenShape(const ShapeContext &context) {
  const Shape &in = context.inputs[0];
  int64_t features = 1;
  for (size_t d = 1; d < in.size(); ++d)
    features *= in[d]; // cannot overflow: the input's element count fits
  return Shape{in[0], features};
}

void referenceFlatten(const RefContext &context) { context.output.data = context.inputs[0]->data; }

int64_t flattenFlops(const Node &, const std::vector<Shape> &) { return 0; }

/// The output has no spatial axes: its one position holds every input position.
AxisWindow flattenAxisWindow(const Node &, const std::vector<Shape> &inputs, size_t,
                             SpatialAxis axis) {
  return wholeAxisWindow(spatialExtent(inputs[0], axis));
}

/// out(f, n) = in(f % W, (f / W) % H, f / (W * H), n): PyTorch's row-major order.
Halide::Func lowerFlatten(const lower::LowerContext &context) {
  using lower::i32;
  const lower::LoweredTensor &in = context.inputs[0];
  const Halide::Var &f = lower::TensorVars::f(), &n = lower::TensorVars::n();
  Halide::Func out = lower::newFunc(context);
  if (in.shape.size() == 2) {
    out(f, n) = in.func(f, n);
    return out;
  }
  const Halide::Expr width = i32(in.shape[3]), height = i32(in.shape[2]);
  out(f, n) = in.func(f % width, (f / width) % height, f / (width * height), n);
  return out;
}

} // namespace

OpDef flatten() {
  OpDef def("flatten");
  def.summary = "keeps the batch dimension and flattens the rest";
  def.torchEquivalent = "torch.flatten(x, 1)";
  def.buildAttrs = buildFlattenAttrs;
  def.inferShape = inferFlattenShape;
  def.reference = referenceFlatten;
  def.flops = flattenFlops;
  def.axisWindow = flattenAxisWindow;
  def.lower = lowerFlatten;
  return def;
}

} // namespace cnnc::ops
