// One function per kind of oneDNN primitive the baseline builds. Convolutions and
// inner products are created with format_tag::any for weights (and, by default, for
// activations), so oneDNN picks its fastest layouts; the weights are folded and
// reordered once here, never during a run.
#include "bench/onednn/Builder.h"
#include "bench/onednn/PadCopy.h"
#include "compiler/ir/WindowGeometry.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace cnnc::onednn {

using namespace ir;
using dnnl::algorithm;
using dnnl::prop_kind;
using Dt = memory::data_type;

namespace {

struct Eltwise {
  algorithm alg;
  float alpha;
  float beta;
};

Eltwise eltwiseOf(const ActivationAttrs &attrs) {
  switch (attrs.kind) {
  case ActivationKind::Relu:
    return {algorithm::eltwise_relu, 0.0f, 0.0f};
  case ActivationKind::Relu6:
    return {algorithm::eltwise_clip, 0.0f, 6.0f};
  case ActivationKind::Sigmoid:
    return {algorithm::eltwise_logistic, 0.0f, 0.0f};
  case ActivationKind::Tanh:
    return {algorithm::eltwise_tanh, 0.0f, 0.0f};
  case ActivationKind::LeakyRelu:
    return {algorithm::eltwise_relu, static_cast<float>(attrs.negativeSlope), 0.0f};
  }
  return {algorithm::eltwise_relu, 0.0f, 0.0f};
}

const std::vector<float> &weightData(const eval::TensorMap &weights, const std::string &name) {
  auto found = weights.find(name);
  if (found == weights.end())
    throw Unsupported("missing weight '" + name + "'");
  return found->second.data;
}

memory::desc vectorDesc(int64_t size) { return memory::desc({size}, Dt::f32, Tag::x); }

void copyInto(const memory &target, const std::vector<float> &data) {
  std::memcpy(target.get_data_handle(), data.data(), data.size() * sizeof(float));
}

/// True when some output along one axis reads its input only in the padding (every tap
/// of its window outside [0, in)): oneDNN 2.6's brgconv mishandles such convolutions
/// (found by the random-network test: wrong sums, and a crash with a sum post-op after
/// an eltwise one), so they get an explicit padded copy and no padding instead.
bool someWindowAllPadding(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t dilation,
                          int64_t padBegin) {
  for (int64_t o = 0; o < out; ++o) {
    bool anyInside = false;
    for (int64_t k = 0; k < kernel && !anyInside; ++k) {
      const int64_t i = windowStart(o, stride, padBegin) + k * dilation;
      anyInside = i >= 0 && i < in;
    }
    if (!anyInside)
      return true;
  }
  return false;
}

/// The operand of an add that is not produced by the chain before it.
NodeId sumOperand(const Graph &graph, const Group &group, NodeId add) {
  NodeId previous = group.batchNorm ? *group.batchNorm : group.anchor;
  for (NodeId id : group.postOps) {
    if (id == add)
      break;
    previous = id;
  }
  const Node &node = graph.nodes[add];
  return node.operands[0] == previous ? node.operands[1] : node.operands[0];
}

} // namespace

Builder::Prepared Builder::prepareWeighted(const Group &group, bool hasBias) {
  const Node &anchor = node(group.anchor);
  Prepared prepared;
  prepared.weights = weightData(weights_, anchor.name + ".weight");
  const size_t outChannels = static_cast<size_t>(anchor.shape[1]);
  if (hasBias)
    prepared.bias = weightData(weights_, anchor.name + ".bias");
  if (group.batchNorm) {
    // Inference batch-norm is a per-channel affine map; folded into the weights and
    // bias as PyTorch's freezing and oneDNN's fused inference do.
    const Node &bn = node(*group.batchNorm);
    const double eps = std::get<BatchNormAttrs>(bn.attrs).eps;
    const auto &gamma = weightData(weights_, bn.name + ".weight");
    const auto &beta = weightData(weights_, bn.name + ".bias");
    const auto &mean = weightData(weights_, bn.name + ".running_mean");
    const auto &var = weightData(weights_, bn.name + ".running_var");
    prepared.bias.resize(outChannels, 0.0f);
    const size_t perChannel = prepared.weights.size() / outChannels;
    for (size_t c = 0; c < outChannels; ++c) {
      const double scale = gamma[c] / std::sqrt(double(var[c]) + eps);
      for (size_t i = 0; i < perChannel; ++i)
        prepared.weights[c * perChannel + i] =
            static_cast<float>(prepared.weights[c * perChannel + i] * scale);
      prepared.bias[c] = static_cast<float>((prepared.bias[c] - mean[c]) * scale + beta[c]);
    }
  }
  dnnl::post_ops ops;
  for (NodeId id : group.postOps) {
    if (const auto *activation = std::get_if<ActivationAttrs>(&node(id).attrs)) {
      const Eltwise eltwise = eltwiseOf(*activation);
      ops.append_eltwise(1.0f, eltwise.alg, eltwise.alpha, eltwise.beta);
    } else {
      ops.append_sum(1.0f); // the add: dst holds the other operand when the primitive runs
    }
  }
  prepared.attr.set_post_ops(ops);
  return prepared;
}

void Builder::finishWeighted(const Group &group, const dnnl::primitive_desc &pd,
                             dnnl::primitive primitive, std::unordered_map<int, memory> args,
                             NodeId source) {
  const memory::desc dstDesc = pd.dst_desc();
  memory dst;
  if (std::optional<NodeId> add = group.sumNode(graph_)) {
    const NodeId other = sumOperand(graph_, group, *add);
    if (canOverwrite(other, group, dstDesc, source)) {
      dst = valueOf(other); // in place: nothing reads `other` after this step
    } else {
      dst = newMemory(dstDesc);
      addReorder(node(*add).name + " (sum operand)", valueOf(other), dst);
    }
  } else {
    dst = newMemory(dstDesc);
  }
  args[DNNL_ARG_DST] = dst;
  addStep(groupLabel(group), pd, std::move(primitive), std::move(args));
  define(group.tail, dst);
}

void Builder::buildConvolution(const Group &group) {
  const Node &conv = node(group.anchor);
  const Conv2dAttrs &attrs = std::get<Conv2dAttrs>(conv.attrs);
  const ConvSource source = convSource(graph_, plan_, conv);
  Pad4 padding = source.padding;
  Shape inShape = node(source.node).shape;
  memory paddedInput;
  const bool degenerate = someWindowAllPadding(inShape[2], conv.shape[2], attrs.kernel.h,
                                               attrs.stride.h, attrs.dilation.h, padding.top) ||
                          someWindowAllPadding(inShape[3], conv.shape[3], attrs.kernel.w,
                                               attrs.stride.w, attrs.dilation.w, padding.left);
  if ((attrs.padMode != PadMode::Constant || degenerate) && !padding.isZero()) {
    // oneDNN convolutions pad with zeros only: other modes get a padded copy first.
    paddedInput = padded(source.node, conv.name + (degenerate ? " (padding)" : " (padding_mode)"),
                         padding, attrs.padMode, 0.0f);
    inShape = Shape(paddedInput.get_desc().dims());
    padding = Pad4{};
  }
  const int64_t groups = attrs.groups, out = attrs.outChannels, in = inShape[1];
  const memory::dims weightDims =
      groups == 1 ? memory::dims{out, in, attrs.kernel.h, attrs.kernel.w}
                  : memory::dims{groups, out / groups, in / groups, attrs.kernel.h, attrs.kernel.w};
  const Tag activations = layout_ == Layout::Any ? Tag::any : Tag::nhwc;
  Prepared prepared = prepareWeighted(group, attrs.bias);
  const bool hasBias = !prepared.bias.empty();
  dnnl::convolution_forward::desc desc(
      prop_kind::forward_inference, algorithm::convolution_direct,
      memory::desc(dimsOf(inShape), Dt::f32, activations),
      memory::desc(weightDims, Dt::f32, Tag::any), hasBias ? vectorDesc(out) : memory::desc(),
      memory::desc(dimsOf(conv.shape), Dt::f32, activations), {attrs.stride.h, attrs.stride.w},
      {attrs.dilation.h - 1, attrs.dilation.w - 1}, {padding.top, padding.left},
      {padding.bottom, padding.right});
  dnnl::convolution_forward::primitive_desc pd(desc, prepared.attr, state_.engine);

  memory weights = newMemory(pd.weights_desc());
  reorderNow(memory({weightDims, Dt::f32, groups == 1 ? Tag::oihw : Tag::goihw}, state_.engine,
                    prepared.weights.data()),
             weights);
  std::unordered_map<int, memory> args{{DNNL_ARG_WEIGHTS, weights}};
  if (hasBias) {
    args[DNNL_ARG_BIAS] = newMemory(pd.bias_desc());
    copyInto(args[DNNL_ARG_BIAS], prepared.bias);
  }
  if (paddedInput && paddedInput.get_desc() != pd.src_desc()) {
    memory converted = newMemory(pd.src_desc());
    addReorder(conv.name + " (reorder)", paddedInput, converted);
    paddedInput = converted;
  }
  args[DNNL_ARG_SRC] = paddedInput ? paddedInput : fetch(source.node, pd.src_desc());
  finishWeighted(group, pd, dnnl::convolution_forward(pd), std::move(args), source.node);
}

void Builder::buildLinear(const Group &group) {
  const Node &linear = node(group.anchor);
  const LinearAttrs &attrs = std::get<LinearAttrs>(linear.attrs);
  const NodeId input = linear.operands[0];
  const int64_t features = node(input).shape[1];
  Prepared prepared = prepareWeighted(group, attrs.bias);
  const bool hasBias = !prepared.bias.empty();
  dnnl::inner_product_forward::desc desc(
      prop_kind::forward_inference, memory::desc(dimsOf(node(input).shape), Dt::f32, Tag::any),
      memory::desc({attrs.outFeatures, features}, Dt::f32, Tag::any),
      hasBias ? vectorDesc(attrs.outFeatures) : memory::desc(),
      memory::desc(dimsOf(linear.shape), Dt::f32, Tag::any));
  dnnl::inner_product_forward::primitive_desc pd(desc, prepared.attr, state_.engine);
  memory weights = newMemory(pd.weights_desc());
  reorderNow(memory({{attrs.outFeatures, features}, Dt::f32, Tag::oi}, state_.engine,
                    prepared.weights.data()),
             weights);
  std::unordered_map<int, memory> args{{DNNL_ARG_WEIGHTS, weights},
                                       {DNNL_ARG_SRC, fetch(input, pd.src_desc())}};
  if (hasBias) {
    args[DNNL_ARG_BIAS] = newMemory(pd.bias_desc());
    copyInto(args[DNNL_ARG_BIAS], prepared.bias);
  }
  finishWeighted(group, pd, dnnl::inner_product_forward(pd), std::move(args), input);
}

namespace {

/// oneDNN rounds output sizes down: PyTorch's ceil_mode becomes extra padding at the
/// end. Returns the end padding that gives `outSize` outputs.
int64_t endPadding(int64_t inSize, int64_t outSize, int64_t kernel, int64_t stride,
                   int64_t dilation, int64_t begin, int64_t end) {
  const int64_t needed = (outSize - 1) * stride + dilation * (kernel - 1) + 1;
  return end + std::max<int64_t>(0, needed - (inSize + begin + end));
}

/// Per output pixel, kh * kw over PyTorch's divisor: what turns oneDNN's
/// include-padding average (always kh * kw) into PyTorch's when ceil_mode windows hang
/// past the padded input (PyTorch clips them to it).
std::vector<float> includePadCorrection(const Pool2dAttrs &attrs, const Shape &in,
                                        const Shape &out) {
  std::vector<float> factors;
  for (int64_t oh = 0; oh < out[2]; ++oh)
    for (int64_t ow = 0; ow < out[3]; ++ow) {
      const int64_t rows = averagePoolTaps(windowStart(oh, attrs.stride.h, attrs.padding.top),
                                           attrs.kernel.h, in[2], attrs.padding.bottom, true);
      const int64_t cols = averagePoolTaps(windowStart(ow, attrs.stride.w, attrs.padding.left),
                                           attrs.kernel.w, in[3], attrs.padding.right, true);
      factors.push_back(float(attrs.kernel.h * attrs.kernel.w) / float(rows * cols));
    }
  return factors;
}

} // namespace

void Builder::buildPool(const Group &group) {
  const Node &pool = node(group.anchor);
  const Pool2dAttrs &attrs = std::get<Pool2dAttrs>(pool.attrs);
  const bool average = attrs.kind == PoolKind::Average;
  const memory src = valueOf(pool.operands[0]);
  const Shape &in = node(pool.operands[0]).shape;
  const int64_t bottom = endPadding(in[2], pool.shape[2], attrs.kernel.h, attrs.stride.h,
                                    attrs.dilation.h, attrs.padding.top, attrs.padding.bottom);
  const int64_t right = endPadding(in[3], pool.shape[3], attrs.kernel.w, attrs.stride.w,
                                   attrs.dilation.w, attrs.padding.left, attrs.padding.right);
  const bool ceilExtends = bottom != attrs.padding.bottom || right != attrs.padding.right;
  // Max pooling and exclude-padding averages ignore the extra padding; PyTorch's
  // include-padding divisor and divisor_override become a post-op on oneDNN's
  // include-padding average (which divides by kh * kw).
  const bool include = average && (attrs.countIncludePad || attrs.divisorOverride);
  const algorithm alg = !average  ? algorithm::pooling_max
                        : include ? algorithm::pooling_avg_include_padding
                                  : algorithm::pooling_avg_exclude_padding;
  dnnl::post_ops ops;
  std::unordered_map<int, memory> args{{DNNL_ARG_SRC, src}};
  if (attrs.divisorOverride) {
    ops.append_eltwise(1.0f, algorithm::eltwise_linear,
                       float(attrs.kernel.h * attrs.kernel.w) / float(*attrs.divisorOverride),
                       0.0f);
  } else if (include && ceilExtends) {
    const memory::desc mapDesc({1, 1, pool.shape[2], pool.shape[3]}, Dt::f32, Tag::nchw);
    ops.append_binary(algorithm::binary_mul, mapDesc);
    memory factors = newMemory(mapDesc);
    copyInto(factors, includePadCorrection(attrs, in, pool.shape));
    args[DNNL_ARG_ATTR_MULTIPLE_POST_OP(0) | DNNL_ARG_SRC_1] = factors;
  }
  dnnl::primitive_attr attr;
  attr.set_post_ops(ops);
  dnnl::pooling_v2_forward::desc desc(
      prop_kind::forward_inference, alg, src.get_desc(),
      memory::desc(dimsOf(pool.shape), Dt::f32, Tag::any), {attrs.stride.h, attrs.stride.w},
      {attrs.kernel.h, attrs.kernel.w}, {attrs.dilation.h - 1, attrs.dilation.w - 1},
      {attrs.padding.top, attrs.padding.left}, {bottom, right});
  dnnl::pooling_v2_forward::primitive_desc pd(desc, attr, state_.engine);
  memory dst = newMemory(pd.dst_desc());
  args[DNNL_ARG_DST] = dst;
  addStep(groupLabel(group), pd, dnnl::pooling_v2_forward(pd), std::move(args));
  define(group.tail, dst);
}

void Builder::buildGlobalPool(const Group &group) {
  const Node &pool = node(group.anchor);
  const bool average = std::get<GlobalPoolAttrs>(pool.attrs).kind == PoolKind::Average;
  const memory src = valueOf(pool.operands[0]);
  const Shape &in = node(pool.operands[0]).shape;
  dnnl::pooling_forward::desc desc(
      prop_kind::forward_inference,
      average ? algorithm::pooling_avg_exclude_padding : algorithm::pooling_max, src.get_desc(),
      memory::desc(dimsOf(pool.shape), Dt::f32, Tag::any), {1, 1}, {in[2], in[3]}, {0, 0}, {0, 0});
  dnnl::pooling_forward::primitive_desc pd(desc, state_.engine);
  memory dst = newMemory(pd.dst_desc());
  addStep(groupLabel(group), pd, dnnl::pooling_forward(pd),
          {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}});
  define(group.tail, dst);
}

void Builder::buildActivation(const Group &group) {
  const Node &layer = node(group.anchor);
  const Eltwise eltwise = eltwiseOf(std::get<ActivationAttrs>(layer.attrs));
  const memory src = valueOf(layer.operands[0]);
  dnnl::eltwise_forward::desc desc(prop_kind::forward_inference, eltwise.alg, src.get_desc(),
                                   eltwise.alpha, eltwise.beta);
  dnnl::eltwise_forward::primitive_desc pd(desc, state_.engine);
  memory dst = newMemory(pd.dst_desc());
  addStep(groupLabel(group), pd, dnnl::eltwise_forward(pd),
          {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}});
  define(group.tail, dst);
}

void Builder::buildBatchNorm(const Group &group) {
  const Node &bn = node(group.anchor);
  const memory src = valueOf(bn.operands[0]);
  const int64_t channels = bn.shape[1];
  dnnl::batch_normalization_forward::desc desc(
      prop_kind::forward_inference, src.get_desc(),
      static_cast<float>(std::get<BatchNormAttrs>(bn.attrs).eps),
      dnnl::normalization_flags::use_global_stats | dnnl::normalization_flags::use_scale |
          dnnl::normalization_flags::use_shift);
  dnnl::batch_normalization_forward::primitive_desc pd(desc, state_.engine);
  std::unordered_map<int, memory> args{{DNNL_ARG_SRC, src}};
  const std::pair<int, const char *> parameters[] = {{DNNL_ARG_SCALE, ".weight"},
                                                     {DNNL_ARG_SHIFT, ".bias"},
                                                     {DNNL_ARG_MEAN, ".running_mean"},
                                                     {DNNL_ARG_VARIANCE, ".running_var"}};
  for (const auto &[arg, suffix] : parameters) {
    args[arg] = newMemory(vectorDesc(channels));
    copyInto(args[arg], weightData(weights_, bn.name + suffix));
  }
  memory dst = newMemory(pd.dst_desc());
  args[DNNL_ARG_DST] = dst;
  addStep(groupLabel(group), pd, dnnl::batch_normalization_forward(pd), std::move(args));
  define(group.tail, dst);
}

void Builder::buildAdd(const Group &group) {
  const Node &add = node(group.anchor);
  const memory a = valueOf(add.operands[0]);
  const memory b = fetch(add.operands[1], a.get_desc());
  dnnl::binary::desc desc(algorithm::binary_add, a.get_desc(), a.get_desc(), a.get_desc());
  dnnl::binary::primitive_desc pd(desc, state_.engine);
  memory dst = newMemory(pd.dst_desc());
  addStep(groupLabel(group), pd, dnnl::binary(pd),
          {{DNNL_ARG_SRC_0, a}, {DNNL_ARG_SRC_1, b}, {DNNL_ARG_DST, dst}});
  define(group.tail, dst);
}

void Builder::buildConcat(const Group &group) {
  const Node &concat = node(group.anchor);
  std::vector<memory::desc> descs;
  std::unordered_map<int, memory> args;
  for (size_t i = 0; i < concat.operands.size(); ++i) {
    const memory src = valueOf(concat.operands[i]);
    descs.push_back(src.get_desc());
    args[DNNL_ARG_MULTIPLE_SRC + static_cast<int>(i)] = src;
  }
  const int dim = static_cast<int>(std::get<AxisAttrs>(concat.attrs).dim);
  dnnl::concat::primitive_desc pd(dim, descs, state_.engine);
  memory dst = newMemory(pd.dst_desc());
  args[DNNL_ARG_DST] = dst;
  addStep(groupLabel(group), pd, dnnl::concat(pd), std::move(args));
  define(group.tail, dst);
}

void Builder::buildFlatten(const Group &group) {
  // NCHW order is what flatten means: the plain value, seen as [N, C*H*W].
  const Node &flatten = node(group.anchor);
  const NodeId input = flatten.operands[0];
  const memory plain = fetch(input, plainDesc(node(input).shape));
  define(group.tail, memory(plainDesc(flatten.shape), state_.engine, plain.get_data_handle()));
}

void Builder::buildSoftmax(const Group &group) {
  const Node &softmax = node(group.anchor);
  const NodeId input = softmax.operands[0];
  const memory src = fetch(input, plainDesc(node(input).shape));
  dnnl::softmax_forward::desc desc(prop_kind::forward_inference, src.get_desc(),
                                   static_cast<int>(std::get<AxisAttrs>(softmax.attrs).dim));
  dnnl::softmax_forward::primitive_desc pd(desc, state_.engine);
  memory dst = newMemory(pd.dst_desc());
  addStep(groupLabel(group), pd, dnnl::softmax_forward(pd),
          {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}});
  define(group.tail, dst);
}

void Builder::buildPad(const Group &group) {
  const Node &pad = node(group.anchor);
  const PadAttrs &attrs = std::get<PadAttrs>(pad.attrs);
  define(group.tail, padded(pad.operands[0], groupLabel(group), attrs.padding, attrs.mode,
                            static_cast<float>(attrs.value)));
}

memory Builder::padded(NodeId source, const std::string &label, const Pad4 &padding, PadMode mode,
                       float value) {
  const Shape &shape = node(source).shape;
  const int64_t n = shape[0], c = shape[1], h = shape[2], w = shape[3];
  // The layouts the copy loop understands, as (tag, planes, pixel vector). Blocked
  // layouts only when the channels fill their blocks (else padded lanes would get
  // `value`).
  const std::tuple<Tag, int64_t, int64_t> layouts[] = {{Tag::nhwc, n, c},
                                                       {Tag::nchw, n * c, 1},
                                                       {Tag::nChw16c, n * c / 16, 16},
                                                       {Tag::nChw8c, n * c / 8, 8}};
  memory src = valueOf(source);
  auto [tag, planes, vector] = layouts[0];
  bool matched = false;
  for (const auto &[candidate, candidatePlanes, candidateVector] : layouts) {
    if (c % candidateVector == 0 &&
        src.get_desc() == memory::desc(dimsOf(shape), Dt::f32, candidate)) {
      std::tie(tag, planes, vector) = std::tie(candidate, candidatePlanes, candidateVector);
      matched = true;
      break;
    }
  }
  if (!matched)
    src = fetch(source, memory::desc(dimsOf(shape), Dt::f32, Tag::nhwc));
  const memory::dims outDims{n, c, h + padding.top + padding.bottom,
                             w + padding.left + padding.right};
  memory dst = newMemory(memory::desc(outDims, Dt::f32, tag));
  Step step;
  step.info = {label, "pad", std::string("copy loop (") + padModeName(mode) + ")",
               layoutName(src.get_desc()) + " -> " + layoutName(dst.get_desc())};
  const PlaneLayout layout{planes, h, w, vector};
  step.loop = [src, dst, layout, padding, mode, value]() {
    padCopy(static_cast<const float *>(src.get_data_handle()), layout,
            static_cast<float *>(dst.get_data_handle()), padding, mode, value);
  };
  state_.steps.push_back(std::move(step));
  return dst;
}

} // namespace cnnc::onednn
