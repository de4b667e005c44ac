// conv2d: torch.nn.functional.conv2d, with nn.Conv2d's padding_mode.
#include "compiler/ir/WindowGeometry.h"
#include "compiler/ops/Conv2dWinograd.h"
#include "compiler/ops/OpHelpers.h"
#include "compiler/ops/Ops.h"
#include "compiler/lower/LowerHelpers.h"

namespace cnnc::ops {

using namespace ir;

namespace {

const std::vector<std::string> kPaddingModes = {"zeros", "reflect", "replicate", "circular"};
const PadMode kPaddingModeValues[] = {PadMode::Constant, PadMode::Reflect, PadMode::Replicate,
                                      PadMode::Circular};

std::optional<Attrs> buildConv2dAttrs(AttrReader &reader) {
  bool present = reader.require("out_channels") & reader.require("kernel_size");
  std::optional<int64_t> outChannels = reader.getInt("out_channels", 1, 1);
  std::optional<Int2> kernel = reader.getInt2("kernel_size", {1, 1}, 1);
  std::optional<Int2> stride = reader.getInt2("stride", {1, 1}, 1);
  std::optional<AttrReader::ConvPadding> padding = reader.getConvPadding("padding");
  std::optional<Int2> dilation = reader.getInt2("dilation", {1, 1}, 1);
  std::optional<int64_t> groups = reader.getInt("groups", 1, 1);
  std::optional<bool> bias = reader.getBool("bias", true);
  std::optional<size_t> mode = reader.getChoice("padding_mode", 0, kPaddingModes);
  if (!present || !outChannels || !kernel || !stride || !padding || !dilation || !groups ||
      !bias || !mode)
    return std::nullopt;
  // PyTorch: "padding='same' is not supported for strided convolutions".
  if (padding->same && (stride->h != 1 || stride->w != 1)) {
    reader.errorAt("padding", "padding=same requires stride 1");
    return std::nullopt;
  }
  Conv2dAttrs attrs;
  attrs.outChannels = *outChannels;
  attrs.kernel = *kernel;
  attrs.stride = *stride;
  attrs.dilation = *dilation;
  attrs.groups = *groups;
  attrs.bias = *bias;
  attrs.padMode = kPaddingModeValues[*mode];
  if (padding->same) {
    PadPair rows = samePadding(kernel->h, dilation->h);
    PadPair cols = samePadding(kernel->w, dilation->w);
    attrs.padding = {cols.begin, cols.end, rows.begin, rows.end};
  } else {
    attrs.padding = {padding->pad.w, padding->pad.w, padding->pad.h, padding->pad.h};
  }
  return attrs;
}

bool checkGroups(const ShapeContext &context, const Conv2dAttrs &attrs, int64_t inChannels) {
  if (inChannels % attrs.groups != 0) {
    context.diags.error(context.node.attrLoc("groups"),
                        "groups " + std::to_string(attrs.groups) + " must divide the input's " +
                            std::to_string(inChannels) + " channels");
    return false;
  }
  if (attrs.outChannels % attrs.groups != 0) {
    context.diags.error(context.node.attrLoc("out_channels"),
                        "out_channels " + std::to_string(attrs.outChannels) +
                            " must be divisible by groups " + std::to_string(attrs.groups));
    return false;
  }
  return true;
}

/// The output extent of one axis, or an error at kernel_size when the dilated kernel
/// does not fit in the padded input.
std::optional<int64_t> convExtent(const ShapeContext &context, int64_t in, int64_t kernel,
                                  int64_t stride, int64_t padBegin, int64_t padEnd,
                                  int64_t dilation, const char *dimName) {
  int64_t out = windowOutputExtent(in, kernel, stride, padBegin, padEnd, dilation, false);
  if (out >= 1)
    return out;
  // Blame dilation when the undilated kernel would have fit: that is what made it fail.
  const bool dilationFails = dilation > 1 && kernel <= in + padBegin + padEnd;
  context.diags.error(context.node.attrLoc(dilationFails ? "dilation" : "kernel_size"),
                      "kernel " + std::string(dimName) + " " + std::to_string(kernel) +
                          (dilation > 1 ? " (dilated " +
                                              std::to_string(dilatedKernelExtent(kernel, dilation)) +
                                              ")"
                                        : "") +
                          " exceeds padded input " + dimName + " " +
                          std::to_string(in + padBegin + padEnd));
  return std::nullopt;
}

std::optional<Shape> inferConv2dShape(const ShapeContext &context) {
  if (!requireRank(context, 0, {4}))
    return std::nullopt;
  const Conv2dAttrs &attrs = std::get<Conv2dAttrs>(context.node.attrs);
  const Shape &in = context.inputs[0];
  if (!checkGroups(context, attrs, in[1]) ||
      !checkPaddingFits(context, attrs.padMode, attrs.padding, in[2], in[3]))
    return std::nullopt;
  const Pad4 &p = attrs.padding;
  std::optional<int64_t> height = convExtent(context, in[2], attrs.kernel.h, attrs.stride.h, p.top,
                                             p.bottom, attrs.dilation.h, "height");
  if (!height)
    return std::nullopt;
  std::optional<int64_t> width = convExtent(context, in[3], attrs.kernel.w, attrs.stride.w, p.left,
                                            p.right, attrs.dilation.w, "width");
  if (!width)
    return std::nullopt;
  return Shape{in[0], attrs.outChannels, *height, *width};
}

std::vector<WeightSpec> conv2dWeights(const Node &node, const std::vector<Shape> &inputs) {
  const Conv2dAttrs &attrs = std::get<Conv2dAttrs>(node.attrs);
  std::vector<WeightSpec> specs = {
      {"weight", {attrs.outChannels, inputs[0][1] / attrs.groups, attrs.kernel.h, attrs.kernel.w}}};
  if (attrs.bias)
    specs.push_back({"bias", {attrs.outChannels}});
  return specs;
}

/// Accumulates one (input channel, kernel tap) into a whole output plane: the padded
/// input row is looked up through the padding mode, constant padding reads zero.
void accumulateTap(const RefTensor &in, const Conv2dAttrs &attrs, int64_t n, int64_t ic, int64_t kh,
                   int64_t kw, double weight, double *outPlane, int64_t outH, int64_t outW) {
  const int64_t height = in.shape[2], width = in.shape[3];
  for (int64_t oh = 0; oh < outH; ++oh) {
    std::optional<int64_t> ih = paddedSourceIndex(
        attrs.padMode, windowStart(oh, attrs.stride.h, attrs.padding.top) + kh * attrs.dilation.h,
        height);
    if (!ih)
      continue;
    for (int64_t ow = 0; ow < outW; ++ow) {
      std::optional<int64_t> iw = paddedSourceIndex(
          attrs.padMode,
          windowStart(ow, attrs.stride.w, attrs.padding.left) + kw * attrs.dilation.w, width);
      if (iw)
        outPlane[oh * outW + ow] += weight * in.at(n, ic, *ih, *iw);
    }
  }
}

void referenceConv2d(const RefContext &context) {
  const Conv2dAttrs &attrs = std::get<Conv2dAttrs>(context.node.attrs);
  const RefTensor &in = *context.inputs[0];
  const RefTensor &weight = *context.weights[0];
  RefTensor &out = context.output;
  const int64_t outH = out.shape[2], outW = out.shape[3];
  const int64_t inPerGroup = in.shape[1] / attrs.groups;
  const int64_t outPerGroup = attrs.outChannels / attrs.groups;
  for (int64_t n = 0; n < out.shape[0]; ++n)
    for (int64_t oc = 0; oc < attrs.outChannels; ++oc) {
      double *plane = &out.at(n, oc, 0, 0);
      const double bias = attrs.bias ? context.weights[1]->data[oc] : 0.0;
      std::fill(plane, plane + outH * outW, bias);
      for (int64_t icg = 0; icg < inPerGroup; ++icg)
        for (int64_t kh = 0; kh < attrs.kernel.h; ++kh)
          for (int64_t kw = 0; kw < attrs.kernel.w; ++kw)
            accumulateTap(in, attrs, n, (oc / outPerGroup) * inPerGroup + icg, kh, kw,
                          weight.at(oc, icg, kh, kw), plane, outH, outW);
    }
}

int64_t conv2dFlops(const Node &node, const std::vector<Shape> &inputs) {
  const Conv2dAttrs &attrs = std::get<Conv2dAttrs>(node.attrs);
  int64_t macsPerOutput = inputs[0][1] / attrs.groups * attrs.kernel.h * attrs.kernel.w;
  return 2 * numel(node.shape) * macsPerOutput;
}

AxisWindow conv2dAxisWindow(const Node &node, const std::vector<Shape> &, size_t,
                            SpatialAxis axis) {
  const Conv2dAttrs &a = std::get<Conv2dAttrs>(node.attrs);
  if (axis == SpatialAxis::Height)
    return slidingWindow(a.kernel.h, a.stride.h, a.dilation.h, a.padding.top, a.padding.bottom,
                         a.padMode);
  return slidingWindow(a.kernel.w, a.stride.w, a.dilation.w, a.padding.left, a.padding.right,
                       a.padMode);
}

/// The weight w(kx, ky, i, o), scaled by a batch-norm folded into the layer:
/// w' = w * scale(o).
Halide::Expr foldedWeight(const lower::LowerContext &context, const Halide::Expr &kx,
                          const Halide::Expr &ky, const Halide::Expr &i, const Halide::Expr &o) {
  Halide::Expr weight = context.weights[0](kx, ky, i, o);
  return context.foldedScale.defined() ? weight * context.foldedScale(o) : weight;
}

/// The bias of output channel `c`, with a folded batch-norm applied,
/// b' = b * scale(c) + shift(c), prepared once when the weights are bound.
Halide::Expr convBias(const lower::LowerContext &context, const Conv2dAttrs &attrs,
                      const Halide::Expr &c) {
  if (!context.foldedScale.defined())
    return attrs.bias ? context.weights[1](c) : Halide::Expr(0.0f);
  const Halide::Var o("o");
  Halide::Func scaledBias(context.funcName + "_folded_bias");
  scaledBias(o) = (attrs.bias ? context.weights[1](o) : Halide::Expr(0.0f)) *
                      context.foldedScale(o) +
                  context.foldedShift(o);
  return context.preparation->prepare(scaledBias, {attrs.outChannels})(c);
}

/// A grouped (depthwise) convolution's loops are per block of channels, each reading
/// its own input channels (LoweredTensor::windowInputPerChannel); in row chunks they
/// lost that (MobileNet-V2's 144-channel 56x56 block: 0.87x -> 0.74x oneDNN).
bool conv2dHostsProducerRows(const Node &node) {
  return std::get<Conv2dAttrs>(node.attrs).groups == 1;
}

bool conv2dAdmitsWinograd(const Node &node, const std::vector<Shape> &inputs) {
  return admitsWinogradConv2d(std::get<Conv2dAttrs>(node.attrs), inputs[0]);
}

/// Whether a convolution sums over the taps inside its input only: zero padding's
/// taps add nothing, and on narrow rows they are a large share of the work (a 3x3
/// convolution at 7x7 reads 441 taps per channel of which 361 are inside: ResNet's and
/// VGG's last layers). Only where the schedule unrolls each row's pixels and taps
/// (LowerContext::skipPaddingTaps, rows of one register block): each unrolled tap's
/// test is then a constant and costs nothing, where across vectors of x it would mask
/// every load. 512 -> 512 channels at 7x7, one core: 2.05 -> 1.76 ms (oneDNN, which
/// skips them too, 1.71-1.81); at 14x14 8.5 -> 7.6 ms.
bool skipsPaddingTaps(const lower::LowerContext &context, const Conv2dAttrs &attrs,
                      int64_t channelBlock) {
  return context.skipPaddingTaps && channelBlock == lower::kChannelVectorBlock &&
         context.node.shape[3] <= lower::kChannelVectorBlock &&
         attrs.padMode == PadMode::Constant && !attrs.padding.isZero();
}

/// Whether a convolution's window input is stored decimated, one copy per kernel column:
/// in_kx(x, y) = in(stride * x - pad + kx * dilation, y), so that every load of the sum
/// across x is dense. Halide 14 loads a vector of stride 3 from a constant offset as a
/// dense vector from the offset rounded down to a multiple of 3, tagged with the
/// alignment of the offset itself: an aligned load from a misaligned address, SIGSEGV
/// (random DAG 400067: a grouped 1x1 convolution of stride 3 on 13-pixel rows;
/// Halide 16 replaced that code, halide/Halide#7230). A stride of a power of two rounds
/// down to an address at least as aligned as the offset, so those loads are kept (stride
/// 2's deinterleaving, AlexNet's stride 4). The copies hold kernel width / stride of the
/// input's columns: no more than the input for kernels up to the stride.
bool storesDecimatedColumns(const Conv2dAttrs &attrs) {
  const int64_t stride = attrs.stride.w;
  return stride >= 3 && (stride & (stride - 1)) != 0;
}

/// out(x, y, o, n) = bias(o) + sum over (i, ky, kx) of w(kx, ky, i, o) * in(...), with
/// the input extended by the padding mode. A folded batch-norm scales the weights
/// and bias instead of adding a stage.
Halide::Func lowerConv2d(const lower::LowerContext &context) {
  using lower::i32;
  const Conv2dAttrs &attrs = std::get<Conv2dAttrs>(context.node.attrs);
  const lower::LoweredTensor &in = context.inputs[0];
  const int64_t inPerGroup = in.shape[1] / attrs.groups;
  const int64_t outPerGroup = attrs.outChannels / attrs.groups;
  const Halide::Var &x = lower::TensorVars::x(), &y = lower::TensorVars::y(),
                    &c = lower::TensorVars::c(), &n = lower::TensorVars::n();
  Halide::Func extended =
      attrs.padding.isZero() ? in.func : lower::withBoundary(context, in, attrs.padMode, 0.0f);
  // Every convolution reads a window input, 1x1 ones too: read directly, a 1x1
  // convolution's vectors across x round its reads up past a stored input's end
  // (SqueezeNet's 54-wide rows were read to 55); the copy's guarded vectors keep them
  // inside.
  Halide::Func input(context.funcName + "_in");
  Halide::RDom r(0, i32(attrs.kernel.w), 0, i32(attrs.kernel.h), 0, i32(inPerGroup), "r");
  const bool decimated = storesDecimatedColumns(attrs);
  if (decimated) {
    const Halide::Var kx("kx");
    input(x, kx, y, c, n) =
        extended(windowStart<Halide::Expr>(x, i32(attrs.stride.w), i32(attrs.padding.left)) +
                     kx * i32(attrs.dilation.w),
                 y, c, n);
  } else {
    input(x, y, c, n) = extended(x, y, c, n);
  }
  *context.windowInput = input;
  if (context.windowInputPerChannel)
    *context.windowInputPerChannel = inPerGroup == 1;
  // Without groups every output channel reads every input channel: no division by the
  // group size, which would keep a vector across output channels from loading its
  // input as one broadcast.
  Halide::Expr inChannel =
      attrs.groups == 1 ? Halide::Expr(r.z) : (c / i32(outPerGroup)) * i32(inPerGroup) + r.z;
  Halide::Expr ix = windowStart<Halide::Expr>(x, i32(attrs.stride.w), i32(attrs.padding.left)) +
                    r.x * i32(attrs.dilation.w);
  Halide::Expr iy = windowStart<Halide::Expr>(y, i32(attrs.stride.h), i32(attrs.padding.top)) +
                    r.y * i32(attrs.dilation.h);
  if (context.winograd) {
    const Halide::Expr bias = convBias(context, attrs, c);
    const Halide::Var kx("kx"), ky("ky"), i("i"), o("o");
    Halide::Func folded(context.funcName + "_folded_weights");
    folded(kx, ky, i, o) = foldedWeight(context, kx, ky, i, o);
    return lowerConv2dWinograd(context, attrs, input, folded, bias);
  }
  // The weights in blocks of output channels, the block innermost: (ob, kx, ky, i, oo)
  // for output channel o = oo * block + ob. A register block of `block` channels then
  // reads one contiguous run of weights for its whole reduction, and one tap's weights
  // for the block share a cache line. Both weights and bias are functions of the
  // weights alone, prepared once when the weights are bound.
  const int64_t reduction = inPerGroup * attrs.kernel.h * attrs.kernel.w;
  const int64_t block =
      lower::convChannelBlock(attrs.outChannels, context.node.shape[3], attrs.groups, reduction,
                              4 * attrs.outChannels * reduction);
  *context.channelBlock = block;
  // Where the block does not divide the channels (lower::convChannelBlock), the last
  // block is padded with zero weights, and the channels past the last, which the
  // schedule computes and never stores, read the last channel's bias.
  const int64_t blocks = (attrs.outChannels + block - 1) / block;
  const bool padded = blocks * block != attrs.outChannels;
  const Halide::Expr lastChannel = i32(attrs.outChannels - 1);
  const Halide::Var kx("kx"), ky("ky"), i("i"), ob("ob"), oo("oo");
  Halide::Func blockedWeights(context.funcName + "_weights");
  const Halide::Expr o = oo * i32(block) + ob;
  blockedWeights(ob, kx, ky, i, oo) =
      padded ? Halide::select(o <= lastChannel,
                              foldedWeight(context, kx, ky, i, Halide::min(o, lastChannel)), 0.0f)
             : foldedWeight(context, kx, ky, i, o);
  Halide::Func weights = context.preparation->prepare(
      blockedWeights, {block, attrs.kernel.w, attrs.kernel.h, inPerGroup, blocks});
  Halide::Expr weight = weights(c % i32(block), r.x, r.y, r.z, c / i32(block));
  const Halide::Expr bias = convBias(context, attrs, padded ? Halide::min(c, lastChannel) : c);
  if (skipsPaddingTaps(context, attrs, block)) {
    r.where(ix >= 0 && ix < i32(in.shape[3]) && iy >= 0 && iy < i32(in.shape[2]));
    *context.paddingTapsSkipped = true;
  }
  Halide::Func sum(context.funcName + "_acc");
  sum(x, y, c, n) = bias;
  sum(x, y, c, n) +=
      weight * (decimated ? input(x, r.x, iy, inChannel, n) : input(ix, iy, inChannel, n));
  *context.accumulator = sum;
  Halide::Func out = lower::newFunc(context);
  out(x, y, c, n) = sum(x, y, c, n);
  return out;
}

} // namespace

OpDef conv2d() {
  OpDef def("conv2d");
  def.summary = "2-D convolution over an NCHW tensor";
  def.torchEquivalent = "torch.nn.Conv2d";
  def.attrs = {{"out_channels", "int >= 1", ""},
               {"kernel_size", "int or (kh, kw)", ""},
               {"stride", "int or (sh, sw)", "1"},
               {"padding", "int, (ph, pw), same or valid", "0"},
               {"dilation", "int or (dh, dw)", "1"},
               {"groups", "int >= 1", "1"},
               {"bias", "bool", "true"},
               {"padding_mode", "zeros, reflect, replicate or circular", "zeros"}};
  def.buildAttrs = buildConv2dAttrs;
  def.inferShape = inferConv2dShape;
  def.weights = conv2dWeights;
  def.reference = referenceConv2d;
  def.flops = conv2dFlops;
  def.axisWindow = conv2dAxisWindow;
  def.lower = lowerConv2d;
  def.admitsWinograd = conv2dAdmitsWinograd;
  def.hostsProducerRows = conv2dHostsProducerRows;
  def.absorbsChannelAffine = true;
  return def;
}

} // namespace cnnc::ops
