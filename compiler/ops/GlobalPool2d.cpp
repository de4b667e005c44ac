// global_avg_pool2d and global_max_pool2d: pooling over the whole spatial extent,
// like torch.nn.AdaptiveAvgPool2d(1) / AdaptiveMaxPool2d(1).
#include "compiler/ops/OpHelpers.h"
#include "compiler/ops/Ops.h"
#include "compiler/lower/LowerHelpers.h"

#include <limits>

namespace cnnc::ops {

using namespace ir;

namespace {

std::optional<Attrs> buildGlobalAvgAttrs(AttrReader &) { return GlobalPoolAttrs{PoolKind::Average}; }
std::optional<Attrs> buildGlobalMaxAttrs(AttrReader &) { return GlobalPoolAttrs{PoolKind::Max}; }

std::optional<Shape> inferGlobalPoolShape(const ShapeContext &context) {
  if (!requireRank(context, 0, {4}))
    return std::nullopt;
  const Shape &in = context.inputs[0];
  return Shape{in[0], in[1], 1, 1};
}

void referenceGlobalPool(const RefContext &context) {
  const bool isMax = std::get<GlobalPoolAttrs>(context.node.attrs).kind == PoolKind::Max;
  const RefTensor &in = *context.inputs[0];
  const int64_t plane = in.shape[2] * in.shape[3];
  for (int64_t nc = 0; nc < in.shape[0] * in.shape[1]; ++nc) {
    double acc = isMax ? -std::numeric_limits<double>::infinity() : 0.0;
    for (int64_t i = 0; i < plane; ++i) {
      double v = in.data[static_cast<size_t>(nc * plane + i)];
      acc = isMax ? std::max(acc, v) : acc + v;
    }
    context.output.data[static_cast<size_t>(nc)] = isMax ? acc : acc / static_cast<double>(plane);
  }
}

int64_t globalPoolFlops(const Node &, const std::vector<Shape> &inputs) { return numel(inputs[0]); }

Halide::Func lowerGlobalPool(const lower::LowerContext &context);

AxisWindow globalPoolAxisWindow(const Node &, const std::vector<Shape> &inputs, size_t,
                                SpatialAxis axis) {
  return wholeAxisWindow(spatialExtent(inputs[0], axis));
}

OpDef globalPool(const char *name, const char *torch, const char *summary,
                 std::optional<Attrs> (*build)(AttrReader &)) {
  OpDef def(name);
  def.summary = summary;
  def.torchEquivalent = torch;
  def.buildAttrs = build;
  def.inferShape = inferGlobalPoolShape;
  def.reference = referenceGlobalPool;
  def.flops = globalPoolFlops;
  def.axisWindow = globalPoolAxisWindow;
  def.lower = lowerGlobalPool;
  return def;
}


Halide::Func lowerGlobalPool(const lower::LowerContext &context) {
  using lower::i32;
  const bool isMax = std::get<GlobalPoolAttrs>(context.node.attrs).kind == PoolKind::Max;
  const lower::LoweredTensor &in = context.inputs[0];
  const Halide::Var &x = lower::TensorVars::x(), &y = lower::TensorVars::y(),
                    &c = lower::TensorVars::c(), &n = lower::TensorVars::n();
  Halide::RDom r(0, i32(in.shape[3]), 0, i32(in.shape[2]), "r");
  Halide::Func out = lower::newFunc(context);
  if (isMax)
    out(x, y, c, n) = Halide::maximum(in.func(r.x, r.y, c, n));
  else
    out(x, y, c, n) =
        Halide::sum(in.func(r.x, r.y, c, n)) / static_cast<float>(in.shape[2] * in.shape[3]);
  return out;
}

} // namespace

OpDef globalAvgPool2d() {
  return globalPool("global_avg_pool2d", "torch.nn.AdaptiveAvgPool2d(1)",
                    "mean over height and width; output [N, C, 1, 1]", buildGlobalAvgAttrs);
}

OpDef globalMaxPool2d() {
  return globalPool("global_max_pool2d", "torch.nn.AdaptiveMaxPool2d(1)",
                    "maximum over height and width; output [N, C, 1, 1]", buildGlobalMaxAttrs);
}

} // namespace cnnc::ops
