// max_pool2d and avg_pool2d: torch.nn.functional.max_pool2d / avg_pool2d.
#include "compiler/ir/WindowGeometry.h"
#include "compiler/ops/OpHelpers.h"
#include "compiler/ops/Ops.h"
#include "compiler/lower/LowerHelpers.h"

#include <limits>

namespace cnnc::ops {

using namespace ir;

namespace {

std::optional<Attrs> buildPoolAttrs(AttrReader &reader, PoolKind kind) {
  bool present = reader.require("kernel_size");
  std::optional<Int2> kernel = reader.getInt2("kernel_size", {1, 1}, 1);
  // PyTorch: stride defaults to kernel_size.
  std::optional<Int2> stride = reader.getInt2("stride", kernel.value_or(Int2{1, 1}), 1);
  std::optional<Int2> padding = reader.getInt2("padding", {0, 0}, 0);
  std::optional<Int2> dilation = reader.getInt2("dilation", {1, 1}, 1);
  std::optional<bool> ceilMode = reader.getBool("ceil_mode", false);
  std::optional<bool> countIncludePad = reader.getBool("count_include_pad", true);
  std::optional<int64_t> divisor = reader.getInt("divisor_override", 1, 1);
  if (!present || !kernel || !stride || !padding || !dilation || !ceilMode || !countIncludePad ||
      !divisor)
    return std::nullopt;
  Pool2dAttrs attrs;
  attrs.kind = kind;
  attrs.kernel = *kernel;
  attrs.stride = *stride;
  attrs.dilation = *dilation;
  attrs.padding = {padding->w, padding->w, padding->h, padding->h};
  attrs.ceilMode = *ceilMode;
  attrs.countIncludePad = *countIncludePad;
  if (reader.has("divisor_override"))
    attrs.divisorOverride = *divisor;
  // PyTorch: "pad should be at most half of effective kernel size" (undilated kernel).
  if (padding->h > kernel->h / 2 || padding->w > kernel->w / 2) {
    bool rows = padding->h > kernel->h / 2;
    reader.errorAt("padding", "padding " + std::to_string(rows ? padding->h : padding->w) +
                                  " must be at most half of kernel_size " +
                                  std::to_string(rows ? kernel->h : kernel->w));
    return std::nullopt;
  }
  return attrs;
}

std::optional<Attrs> buildMaxPoolAttrs(AttrReader &reader) {
  return buildPoolAttrs(reader, PoolKind::Max);
}
std::optional<Attrs> buildAvgPoolAttrs(AttrReader &reader) {
  return buildPoolAttrs(reader, PoolKind::Average);
}

/// The window does not fit along rows (or columns): blame dilation when the undilated
/// kernel would have fit, else kernel_size.
void reportWindowTooLarge(const ShapeContext &context, const Pool2dAttrs &attrs, bool rows) {
  const Shape &in = context.inputs[0];
  const Pad4 &p = attrs.padding;
  const int64_t kernel = rows ? attrs.kernel.h : attrs.kernel.w;
  const int64_t dilation = rows ? attrs.dilation.h : attrs.dilation.w;
  const int64_t padded = rows ? in[2] + p.top + p.bottom : in[3] + p.left + p.right;
  const bool dilationFails = dilation > 1 && kernel <= padded;
  context.diags.error(context.node.attrLoc(dilationFails ? "dilation" : "kernel_size"),
                      "pooling window " + std::to_string(dilatedKernelExtent(kernel, dilation)) +
                          " exceeds padded input " + (rows ? "height " : "width ") +
                          std::to_string(padded));
}

std::optional<Shape> inferPool2dShape(const ShapeContext &context) {
  if (!requireRank(context, 0, {4}))
    return std::nullopt;
  const Pool2dAttrs &attrs = std::get<Pool2dAttrs>(context.node.attrs);
  const Shape &in = context.inputs[0];
  const Pad4 &p = attrs.padding;
  int64_t height = windowOutputExtent(in[2], attrs.kernel.h, attrs.stride.h, p.top, p.bottom,
                                      attrs.dilation.h, attrs.ceilMode);
  int64_t width = windowOutputExtent(in[3], attrs.kernel.w, attrs.stride.w, p.left, p.right,
                                     attrs.dilation.w, attrs.ceilMode);
  if (height < 1 || width < 1) {
    reportWindowTooLarge(context, attrs, height < 1);
    return std::nullopt;
  }
  return Shape{in[0], in[1], height, width};
}

double maxOverWindow(const RefTensor &in, const Pool2dAttrs &attrs, int64_t n, int64_t c,
                     int64_t oh, int64_t ow) {
  double best = -std::numeric_limits<double>::infinity();
  for (int64_t kh = 0; kh < attrs.kernel.h; ++kh)
    for (int64_t kw = 0; kw < attrs.kernel.w; ++kw) {
      int64_t ih = windowStart(oh, attrs.stride.h, attrs.padding.top) + kh * attrs.dilation.h;
      int64_t iw = windowStart(ow, attrs.stride.w, attrs.padding.left) + kw * attrs.dilation.w;
      // Padding never wins a max: PyTorch pads with -inf.
      if (ih >= 0 && ih < in.shape[2] && iw >= 0 && iw < in.shape[3])
        best = std::max(best, in.at(n, c, ih, iw));
    }
  return best;
}

double averageOverWindow(const RefTensor &in, const Pool2dAttrs &attrs, int64_t n, int64_t c,
                         int64_t oh, int64_t ow) {
  const int64_t h0 = windowStart(oh, attrs.stride.h, attrs.padding.top);
  const int64_t w0 = windowStart(ow, attrs.stride.w, attrs.padding.left);
  double sum = 0.0;
  for (int64_t ih = std::max<int64_t>(h0, 0); ih < std::min(h0 + attrs.kernel.h, in.shape[2]); ++ih)
    for (int64_t iw = std::max<int64_t>(w0, 0); iw < std::min(w0 + attrs.kernel.w, in.shape[3]);
         ++iw)
      sum += in.at(n, c, ih, iw);
  if (attrs.divisorOverride)
    return sum / static_cast<double>(*attrs.divisorOverride);
  int64_t taps =
      averagePoolTaps(h0, attrs.kernel.h, in.shape[2], attrs.padding.bottom, attrs.countIncludePad) *
      averagePoolTaps(w0, attrs.kernel.w, in.shape[3], attrs.padding.right, attrs.countIncludePad);
  return sum / static_cast<double>(taps);
}

void referencePool2d(const RefContext &context) {
  const Pool2dAttrs &attrs = std::get<Pool2dAttrs>(context.node.attrs);
  const RefTensor &in = *context.inputs[0];
  RefTensor &out = context.output;
  for (int64_t n = 0; n < out.shape[0]; ++n)
    for (int64_t c = 0; c < out.shape[1]; ++c)
      for (int64_t oh = 0; oh < out.shape[2]; ++oh)
        for (int64_t ow = 0; ow < out.shape[3]; ++ow)
          out.at(n, c, oh, ow) = attrs.kind == PoolKind::Max
                                     ? maxOverWindow(in, attrs, n, c, oh, ow)
                                     : averageOverWindow(in, attrs, n, c, oh, ow);
}

/// The implicit padding (-inf for max, zero for average) counts as padding for
/// `explain`, and so does a ceil_mode window's overhang past it.
AxisWindow pool2dAxisWindow(const Node &node, const std::vector<Shape> &, size_t,
                            SpatialAxis axis) {
  const Pool2dAttrs &a = std::get<Pool2dAttrs>(node.attrs);
  if (axis == SpatialAxis::Height)
    return slidingWindow(a.kernel.h, a.stride.h, a.dilation.h, a.padding.top, a.padding.bottom,
                         PadMode::Constant);
  return slidingWindow(a.kernel.w, a.stride.w, a.dilation.w, a.padding.left, a.padding.right,
                       PadMode::Constant);
}

int64_t pool2dFlops(const Node &node, const std::vector<Shape> &) {
  const Pool2dAttrs &attrs = std::get<Pool2dAttrs>(node.attrs);
  return numel(node.shape) * attrs.kernel.h * attrs.kernel.w;
}


/// Max: the maximum over the window of the input extended by -inf, so padding never
/// wins. Average: the sum over the window of the input extended by zero, divided by
/// PyTorch's divisor (WindowGeometry's averagePoolTaps, evaluated on Halide::Expr).
Halide::Func lowerPool2d(const lower::LowerContext &context) {
  using lower::i32;
  const Pool2dAttrs &attrs = std::get<Pool2dAttrs>(context.node.attrs);
  const lower::LoweredTensor &in = context.inputs[0];
  const bool isMax = attrs.kind == PoolKind::Max;
  const float outside = isMax ? -std::numeric_limits<float>::infinity() : 0.0f;
  const Halide::Var &x = lower::TensorVars::x(), &y = lower::TensorVars::y(),
                    &c = lower::TensorVars::c(), &n = lower::TensorVars::n();
  Halide::Func input = lower::withBoundary(context, in, PadMode::Constant, outside);
  // A window that can reach outside the input (padding, or ceil_mode's overhang) reads
  // a stage of its own, the window input, made per row of the output by the schedules
  // as a convolution's, so the taps read a plain buffer: through the boundary's select,
  // a strided window's vector of taps became a gather of 16 scalar loads (ResNet's 3x3
  // stride-2 pooling took 2 ms of the stem's 3.3). Windows always inside read the input
  // directly (the copy would cost a 2x2 pooling 8%).
  if (!attrs.padding.isZero() || attrs.ceilMode) {
    Halide::Func strip(context.funcName + "_in");
    strip(x, y, c, n) = input(x, y, c, n);
    *context.windowInput = strip;
    input = strip;
  }
  Halide::Expr x0 = windowStart<Halide::Expr>(x, i32(attrs.stride.w), i32(attrs.padding.left));
  Halide::Expr y0 = windowStart<Halide::Expr>(y, i32(attrs.stride.h), i32(attrs.padding.top));
  Halide::RDom r(0, i32(attrs.kernel.w), 0, i32(attrs.kernel.h), "r");
  Halide::Expr tap = input(x0 + r.x * i32(attrs.dilation.w), y0 + r.y * i32(attrs.dilation.h), c, n);
  Halide::Func out = lower::newFunc(context);
  if (isMax) {
    out(x, y, c, n) = Halide::maximum(tap);
    return out;
  }
  Halide::Expr divisor;
  if (attrs.divisorOverride) {
    divisor = i32(*attrs.divisorOverride);
  } else {
    divisor = averagePoolTaps<Halide::Expr>(y0, i32(attrs.kernel.h), i32(in.shape[2]),
                                            i32(attrs.padding.bottom), attrs.countIncludePad) *
              averagePoolTaps<Halide::Expr>(x0, i32(attrs.kernel.w), i32(in.shape[3]),
                                            i32(attrs.padding.right), attrs.countIncludePad);
  }
  out(x, y, c, n) = Halide::sum(tap) / Halide::cast<float>(divisor);
  return out;
}

} // namespace

OpDef maxPool2d() {
  OpDef def("max_pool2d");
  def.summary = "maximum over sliding windows; padding never wins";
  def.torchEquivalent = "torch.nn.MaxPool2d";
  def.attrs = {{"kernel_size", "int or (kh, kw)", ""},
               {"stride", "int or (sh, sw)", "kernel_size"},
               {"padding", "int or (ph, pw), at most kernel_size // 2", "0"},
               {"dilation", "int or (dh, dw)", "1"},
               {"ceil_mode", "bool", "false"}};
  def.buildAttrs = buildMaxPoolAttrs;
  def.inferShape = inferPool2dShape;
  def.reference = referencePool2d;
  def.flops = pool2dFlops;
  def.axisWindow = pool2dAxisWindow;
  def.lower = lowerPool2d;
  def.computesProducerPerTile = true;
  return def;
}

OpDef avgPool2d() {
  OpDef def("avg_pool2d");
  def.summary = "mean over sliding windows, with PyTorch's divisor rules";
  def.torchEquivalent = "torch.nn.AvgPool2d";
  def.attrs = {{"kernel_size", "int or (kh, kw)", ""},
               {"stride", "int or (sh, sw)", "kernel_size"},
               {"padding", "int or (ph, pw), at most kernel_size // 2", "0"},
               {"ceil_mode", "bool", "false"},
               {"count_include_pad", "bool", "true"},
               {"divisor_override", "int >= 1", "unset"}};
  def.buildAttrs = buildAvgPoolAttrs;
  def.inferShape = inferPool2dShape;
  def.reference = referencePool2d;
  def.flops = pool2dFlops;
  def.axisWindow = pool2dAxisWindow;
  def.lower = lowerPool2d;
  def.computesProducerPerTile = true;
  return def;
}

} // namespace cnnc::ops
