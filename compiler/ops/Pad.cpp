// pad: torch.nn.functional.pad over the last two dimensions of an NCHW tensor.
#include "compiler/ir/WindowGeometry.h"
#include "compiler/ops/OpHelpers.h"
#include "compiler/ops/Ops.h"
#include "compiler/lower/LowerHelpers.h"

namespace cnnc::ops {

using namespace ir;

namespace {

const std::vector<std::string> kPadModes = {"constant", "zeros", "reflect", "replicate",
                                            "circular"};
const PadMode kPadModeValues[] = {PadMode::Constant, PadMode::Constant, PadMode::Reflect,
                                  PadMode::Replicate, PadMode::Circular};

std::optional<Attrs> buildPadAttrs(AttrReader &reader) {
  bool present = reader.require("padding");
  std::optional<Pad4> padding = reader.getPad4("padding");
  std::optional<size_t> mode = reader.getChoice("mode", 0, kPadModes);
  std::optional<double> value = reader.getFloat("value", 0.0);
  if (!present || !padding || !mode || !value)
    return std::nullopt;
  PadAttrs attrs{*padding, kPadModeValues[*mode], *value};
  // SPEC 1: `value` is allowed only with mode=constant (F.pad ignores it otherwise,
  // which hides mistakes).
  if (reader.has("value") && *mode != 0) {
    reader.errorAt("value", "'value' is allowed only with mode=constant, found mode=" +
                                kPadModes[*mode]);
    return std::nullopt;
  }
  return attrs;
}

std::optional<Shape> inferPadShape(const ShapeContext &context) {
  if (!requireRank(context, 0, {4}))
    return std::nullopt;
  const PadAttrs &attrs = std::get<PadAttrs>(context.node.attrs);
  const Shape &in = context.inputs[0];
  if (!checkPaddingFits(context, attrs.mode, attrs.padding, in[2], in[3]))
    return std::nullopt;
  const Pad4 &p = attrs.padding;
  return Shape{in[0], in[1], in[2] + p.top + p.bottom, in[3] + p.left + p.right};
}

void referencePad(const RefContext &context) {
  const PadAttrs &attrs = std::get<PadAttrs>(context.node.attrs);
  const RefTensor &in = *context.inputs[0];
  RefTensor &out = context.output;
  for (int64_t n = 0; n < out.shape[0]; ++n)
    for (int64_t c = 0; c < out.shape[1]; ++c)
      for (int64_t h = 0; h < out.shape[2]; ++h)
        for (int64_t w = 0; w < out.shape[3]; ++w) {
          std::optional<int64_t> ih = paddedSourceIndex(attrs.mode, h - attrs.padding.top, in.shape[2]);
          std::optional<int64_t> iw =
              paddedSourceIndex(attrs.mode, w - attrs.padding.left, in.shape[3]);
          out.at(n, c, h, w) = ih && iw ? in.at(n, c, *ih, *iw) : attrs.value;
        }
}

int64_t padFlops(const Node &, const std::vector<Shape> &) { return 0; }

/// Output o reads input o - begin: the border reads the padding.
AxisWindow padAxisWindow(const Node &node, const std::vector<Shape> &, size_t, SpatialAxis axis) {
  const PadAttrs &a = std::get<PadAttrs>(node.attrs);
  if (axis == SpatialAxis::Height)
    return slidingWindow(1, 1, 1, a.padding.top, a.padding.bottom, a.mode);
  return slidingWindow(1, 1, 1, a.padding.left, a.padding.right, a.mode);
}

/// out(x, y) = in extended by the mode, read at (x - left, y - top).
Halide::Func lowerPad(const lower::LowerContext &context) {
  using lower::i32;
  const PadAttrs &attrs = std::get<PadAttrs>(context.node.attrs);
  const lower::LoweredTensor &in = context.inputs[0];
  Halide::Func extended =
      lower::withBoundary(context, in, attrs.mode, static_cast<float>(attrs.value));
  const Halide::Var &x = lower::TensorVars::x(), &y = lower::TensorVars::y(),
                    &c = lower::TensorVars::c(), &n = lower::TensorVars::n();
  Halide::Func out = lower::newFunc(context);
  out(x, y, c, n) = extended(x - i32(attrs.padding.left), y - i32(attrs.padding.top), c, n);
  return out;
}

} // namespace

OpDef pad() {
  OpDef def("pad");
  def.summary = "pads height and width by a constant or by the tensor's own border";
  def.torchEquivalent = "torch.nn.functional.pad";
  def.attrs = {{"padding", "int or (left, right) or (left, right, top, bottom)", "", true},
               {"mode", "constant, zeros, reflect, replicate or circular", "constant"},
               {"value", "float (mode=constant only)", "0.0"}};
  def.buildAttrs = buildPadAttrs;
  def.inferShape = inferPadShape;
  def.reference = referencePad;
  def.flops = padFlops;
  def.axisWindow = padAxisWindow;
  def.lower = lowerPad;
  def.pointwise = true;
  def.foldsIntoConsumer = true;
  return def;
}

} // namespace cnnc::ops
