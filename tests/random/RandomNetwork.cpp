// The random network generator: builds a DAG layer by layer, choosing each layer's
// attributes at random among those that fit the shape it tracks for every tensor.
#include "RandomNetwork.h"

#include "cnnc/runtime/Safetensors.h"
#include "cnnc/runtime/Tensor.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <random>
#include <sstream>

namespace cnnc::test {

namespace {

/// How often an attribute draw is retried before the layer kind is given up.
constexpr int kAttempts = 40;
/// Concat joins stop growing the channel count here.
constexpr int64_t kMaxChannels = 16;
/// Batch never grows beyond this through concat(dim=0).
constexpr int64_t kMaxBatch = 4;

/// Random numbers that are the same on every platform: std::mt19937_64 is fully
/// specified, the standard distributions are not, so they are not used.
class Rng {
public:
  explicit Rng(uint64_t seed) : engine_(seed) {}

  /// Uniform in [lo, hi] (the modulo bias is irrelevant here).
  int64_t range(int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(engine_() % static_cast<uint64_t>(hi - lo + 1));
  }
  double unit() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
  double uniform(double lo, double hi) { return lo + (hi - lo) * unit(); }
  bool chance(double p) { return unit() < p; }
  template <class T> const T &pick(const std::vector<T> &items) {
    return items[static_cast<size_t>(range(0, static_cast<int64_t>(items.size()) - 1))];
  }

private:
  std::mt19937_64 engine_;
};

/// PyTorch's output extent of a sliding window (SPEC 1, "Shapes").
int64_t windowExtent(int64_t in, int64_t kernel, int64_t stride, int64_t padBegin, int64_t padEnd,
                     int64_t dilation, bool ceilMode) {
  int64_t span = in + padBegin + padEnd - dilation * (kernel - 1) - 1;
  if (span < 0)
    return 0;
  int64_t out = (ceilMode ? (span + stride - 1) / stride : span / stride) + 1;
  if (ceilMode && (out - 1) * stride >= in + padBegin)
    --out;
  return out;
}

enum class PadKind { Zeros, Reflect, Replicate, Circular };

/// SPEC 1, "Limits": reflect needs pad < size, circular pad <= size.
bool padFits(PadKind kind, int64_t padBegin, int64_t padEnd, int64_t size) {
  int64_t pad = std::max(padBegin, padEnd);
  if (kind == PadKind::Reflect)
    return pad < size;
  if (kind == PadKind::Circular)
    return pad <= size;
  return true;
}

PadKind randomPadKind(Rng &rng) {
  return rng.pick(std::vector<PadKind>{PadKind::Zeros, PadKind::Reflect, PadKind::Replicate,
                                       PadKind::Circular});
}

/// Per axis (h, w): two values written as `v` when equal (usually) or `(h, w)`.
std::string pairText(Rng &rng, int64_t h, int64_t w) {
  if (h == w && rng.chance(0.75))
    return std::to_string(h);
  return "(" + std::to_string(h) + ", " + std::to_string(w) + ")";
}

struct Axis {
  int64_t h, w;
};

/// A value per axis: the same for both most of the time.
Axis randomAxis(Rng &rng, int64_t lo, int64_t hi, double sameChance = 0.7) {
  int64_t h = rng.range(lo, hi);
  return {h, rng.chance(sameChance) ? h : rng.range(lo, hi)};
}

std::string joinAttrs(const std::vector<std::string> &attrs) {
  std::string text;
  for (const std::string &a : attrs)
    text += ", " + a;
  return text;
}

enum class LayerKind {
  Conv,
  Pad,
  MaxPool,
  AvgPool,
  GlobalPool,
  BatchNorm,
  Activation,
  Add,
  Concat,
  Softmax
};

/// What a layer built as a join branch must preserve of its input's shape.
enum class Keep { Nothing, Spatial, Shape };

struct Value {
  std::string name;
  Shape shape;
  int uses = 0;
  bool isInput = false;
};

class NetworkBuilder {
public:
  NetworkBuilder(uint64_t seed, const GeneratorOptions &options)
      : rng_(seed * 0x9E3779B97F4A7C15ULL + 0x632BE59BD9B4E019ULL), options_(options) {
    network_.seed = seed;
  }

  RandomNetwork build();

private:
  void addInputs();
  void addRandomLayer();
  void addHead();
  void useEveryInput();
  void chooseOutputs();

  int pickOperand(size_t rank);
  int emit(const std::string &prefix, const std::string &op, const std::vector<int> &operands,
           const std::vector<std::string> &attrs, Shape shape);
  void declareWeight(int layer, const std::string &weight, Shape shape, WeightKind kind,
                     int64_t fanIn = 1);

  std::optional<int> conv(int x, Keep keep);
  std::optional<int> pad(int x);
  std::optional<int> pool(int x, bool isMax, Keep keep);
  std::optional<int> globalPool(int x);
  std::optional<int> batchNorm(int x);
  std::optional<int> activation(int x);
  std::optional<int> softmax(int x);
  std::optional<int> add(int x);
  std::optional<int> concat(int x);
  std::optional<int> linear(int x, std::optional<int64_t> outFeatures = std::nullopt);
  std::optional<int> branch(int x, Keep keep);
  std::optional<int> concatDim(int x, int64_t dim);

  Rng rng_;
  GeneratorOptions options_;
  RandomNetwork network_;
  std::vector<Value> values_;
  std::ostringstream body_;
  int layerCount_ = 0;
  int64_t spatialLimit_ = 0; // options_.maxSpatial, or a large input's extent
};

RandomNetwork NetworkBuilder::build() {
  addInputs();
  // A large input starts with two convolutions of its shape: the second hosts the first
  // (schedule/Fused.cpp joinRegion) where the first's output is large enough.
  spatialLimit_ = options_.maxSpatial;
  for (const Value &v : values_)
    spatialLimit_ = std::max({spatialLimit_, v.shape[2], v.shape[3]});
  if (spatialLimit_ > options_.maxSpatial)
    for (int k = 0; k < 2; ++k)
      (void)conv(static_cast<int>(values_.size()) - 1, Keep::Shape);
  const int layers = static_cast<int>(rng_.range(options_.minLayers, options_.maxLayers));
  for (int attempt = 0; layerCount_ < layers && attempt < 20 * layers; ++attempt)
    addRandomLayer();
  useEveryInput();
  if (rng_.chance(options_.headProbability))
    addHead();
  chooseOutputs();
  std::ostringstream text;
  text << "# random network, seed " << network_.seed << "\n";
  text << "network random_" << network_.seed << "\n";
  for (const auto &[name, shape] : network_.inputs)
    text << "input " << name << ": f32" << formatShape(shape) << "\n";
  text << body_.str() << "output ";
  for (size_t i = 0; i < network_.outputs.size(); ++i)
    text << (i ? ", " : "") << network_.outputs[i];
  text << "\n";
  network_.text = text.str();
  for (const Value &v : values_)
    network_.shapes.emplace_back(v.name, v.shape);
  return std::move(network_);
}

void NetworkBuilder::addInputs() {
  const int64_t batch = rng_.range(1, 2);
  const int count = rng_.chance(0.3) ? 2 : 1;
  for (int i = 0; i < count; ++i) {
    Shape shape = {batch, rng_.range(1, 8), rng_.range(5, 14), 0};
    shape[3] = rng_.chance(0.5) ? shape[2] : rng_.range(5, 14);
    // Now and then 16 channels of even size, where Winograd's F(2x2, 3x3) applies in
    // whole tiles
    // (randomWinogradConv).
    if (rng_.chance(0.2))
      shape = {batch, 16, 2 * rng_.range(3, 7), 2 * rng_.range(3, 7)};
    // Now and then large: rows enough (40 to 48) and tensors of at least 256 KiB, so
    // that a convolution hosts its producers in chunks (schedule/Fused.cpp joinRegion).
    else if (rng_.chance(0.2))
      shape = {1, 16, rng_.range(40, 48), rng_.range(128, 160)};
    // A second input of the first one's shape can meet it in add or concat.
    if (i > 0 && rng_.chance(0.5))
      shape = values_[0].shape;
    std::string name = count == 1 ? "x" : "x" + std::to_string(i);
    values_.push_back({name, shape, 0, true});
    network_.inputs.emplace_back(name, shape);
  }
}

/// Usually the newest tensor or one nobody consumes yet; sometimes any tensor, so that
/// tensors are shared between several layers.
int NetworkBuilder::pickOperand(size_t rank) {
  std::vector<int> all, unused;
  for (size_t i = 0; i < values_.size(); ++i) {
    if (values_[i].shape.size() != rank)
      continue;
    all.push_back(static_cast<int>(i));
    if (values_[i].uses == 0)
      unused.push_back(static_cast<int>(i));
  }
  if (all.empty())
    return -1;
  double r = rng_.unit();
  if (r < 0.45)
    return all.back();
  if (r < 0.75 && !unused.empty())
    return rng_.pick(unused);
  return rng_.pick(all);
}

int NetworkBuilder::emit(const std::string &prefix, const std::string &op,
                         const std::vector<int> &operands, const std::vector<std::string> &attrs,
                         Shape shape) {
  std::string name = prefix + std::to_string(++layerCount_);
  body_ << name << " = " << op << "(";
  for (size_t i = 0; i < operands.size(); ++i) {
    body_ << (i ? ", " : "") << values_[static_cast<size_t>(operands[i])].name;
    ++values_[static_cast<size_t>(operands[i])].uses;
  }
  body_ << joinAttrs(attrs) << ")\n";
  values_.push_back({name, std::move(shape), 0, false});
  return static_cast<int>(values_.size()) - 1;
}

void NetworkBuilder::declareWeight(int layer, const std::string &weight, Shape shape,
                                   WeightKind kind, int64_t fanIn) {
  network_.weights.push_back(
      {values_[static_cast<size_t>(layer)].name + "." + weight, std::move(shape), kind, fanIn});
}

void NetworkBuilder::addRandomLayer() {
  const int x = pickOperand(4); // the inputs are 4-D, so there is always one
  // Relative weights of the layer kinds; convolution is the one with most attributes.
  const std::vector<std::pair<double, LayerKind>> kinds = {
      {4.0, LayerKind::Conv},       {1.5, LayerKind::Pad},        {1.5, LayerKind::MaxPool},
      {1.5, LayerKind::AvgPool},    {0.3, LayerKind::GlobalPool}, {1.2, LayerKind::BatchNorm},
      {2.0, LayerKind::Activation}, {1.5, LayerKind::Add},        {1.5, LayerKind::Concat},
      {0.3, LayerKind::Softmax}};
  double total = 0;
  for (const auto &k : kinds)
    total += k.first;
  double r = rng_.uniform(0, total);
  LayerKind kind = LayerKind::Conv;
  for (const auto &k : kinds) {
    kind = k.second;
    if ((r -= k.first) < 0)
      break;
  }
  switch (kind) {
  case LayerKind::Conv:
    (void)conv(x, Keep::Nothing);
    return;
  case LayerKind::Pad:
    (void)pad(x);
    return;
  case LayerKind::MaxPool:
    (void)pool(x, /*isMax=*/true, Keep::Nothing);
    return;
  case LayerKind::AvgPool:
    (void)pool(x, /*isMax=*/false, Keep::Nothing);
    return;
  case LayerKind::GlobalPool:
    (void)globalPool(x);
    return;
  case LayerKind::BatchNorm:
    (void)batchNorm(x);
    return;
  case LayerKind::Activation:
    (void)activation(x);
    return;
  case LayerKind::Add:
    (void)add(x);
    return;
  case LayerKind::Concat:
    (void)concat(x);
    return;
  case LayerKind::Softmax:
    (void)softmax(x);
    return;
  }
}

struct ConvChoice {
  int64_t outChannels = 1, groups = 1;
  Axis kernel{1, 1}, stride{1, 1}, dilation{1, 1};
  Axis padBegin{0, 0}, padEnd{0, 0};
  PadKind mode = PadKind::Zeros;
  std::vector<std::string> attrs;
};

/// groups: 1, depthwise, or another divisor of the input channels.
int64_t randomGroups(Rng &rng, int64_t channels) {
  double r = rng.unit();
  if (r < 0.2)
    return channels;
  if (r < 0.4) {
    std::vector<int64_t> divisors;
    for (int64_t g = 1; g <= channels; ++g)
      if (channels % g == 0)
        divisors.push_back(g);
    return rng.pick(divisors);
  }
  return 1;
}

/// A convolution the fused schedule computes by Winograd's F(2x2, 3x3)
/// (compiler/ops/Conv2dWinograd.h): 3x3, stride and dilation 1, no groups, 16 or
/// 32 output channels, padding 0 or 1 in any mode.
ConvChoice randomWinogradConv(Rng &rng, const Shape &in, Keep keep) {
  ConvChoice c;
  c.outChannels = keep == Keep::Shape ? in[1] : (rng.chance(0.5) ? 16 : 32);
  c.kernel = {3, 3};
  c.attrs = {"out_channels=" + std::to_string(c.outChannels), "kernel_size=3"};
  if (rng.chance(0.7)) {
    c.padBegin = c.padEnd = {1, 1};
    c.attrs.push_back("padding=1");
  }
  if (rng.chance(0.5)) {
    c.mode = randomPadKind(rng);
    const char *names[] = {"zeros", "reflect", "replicate", "circular"};
    c.attrs.push_back(std::string("padding_mode=") + names[static_cast<int>(c.mode)]);
  }
  if (rng.chance(0.3))
    c.attrs.push_back(std::string("bias=") + (rng.chance(0.5) ? "true" : "false"));
  return c;
}

ConvChoice randomConv(Rng &rng, const Shape &in, Keep keep) {
  if (in[1] >= 16 && (keep != Keep::Shape || in[1] % 16 == 0) && rng.chance(0.4))
    return randomWinogradConv(rng, in, keep);
  ConvChoice c;
  c.groups = randomGroups(rng, in[1]);
  c.outChannels =
      keep == Keep::Shape ? in[1] : c.groups * rng.range(1, std::max<int64_t>(1, 8 / c.groups));
  // Now and then 16 or 32 output channels without groups: the schedules vectorize such
  // convolutions across channels when their rows are narrow.
  if (keep != Keep::Shape && c.groups == 1 && rng.chance(0.3))
    c.outChannels = rng.chance(0.5) ? 16 : 32;
  c.kernel = randomAxis(rng, 1, 5);
  c.stride = keep != Keep::Nothing || rng.chance(0.6) ? Axis{1, 1} : randomAxis(rng, 1, 3);
  c.dilation = rng.chance(0.7) ? Axis{1, 1} : randomAxis(rng, 1, 2, 0.5);
  c.attrs = {"out_channels=" + std::to_string(c.outChannels),
             "kernel_size=" + pairText(rng, c.kernel.h, c.kernel.w)};
  if (c.stride.h != 1 || c.stride.w != 1 || rng.chance(0.1))
    c.attrs.push_back("stride=" + pairText(rng, c.stride.h, c.stride.w));
  double r = rng.unit();
  if (c.stride.h == 1 && c.stride.w == 1 && r < 0.3) {
    // padding=same: total d*(k-1), the odd pixel at the end.
    c.attrs.push_back("padding=same");
    int64_t th = c.dilation.h * (c.kernel.h - 1), tw = c.dilation.w * (c.kernel.w - 1);
    c.padBegin = {th / 2, tw / 2};
    c.padEnd = {th - th / 2, tw - tw / 2};
  } else if (r < 0.4) {
    c.attrs.push_back("padding=valid");
  } else if (r < 0.9) {
    c.padBegin = c.padEnd = randomAxis(rng, 0, 2);
    c.attrs.push_back("padding=" + pairText(rng, c.padBegin.h, c.padBegin.w));
  }
  if (c.dilation.h != 1 || c.dilation.w != 1 || rng.chance(0.1))
    c.attrs.push_back("dilation=" + pairText(rng, c.dilation.h, c.dilation.w));
  if (c.groups != 1 || rng.chance(0.1))
    c.attrs.push_back("groups=" + std::to_string(c.groups));
  if (rng.chance(0.3))
    c.attrs.push_back(std::string("bias=") + (rng.chance(0.5) ? "true" : "false"));
  if (rng.chance(0.6)) {
    c.mode = randomPadKind(rng);
    const char *names[] = {"zeros", "reflect", "replicate", "circular"};
    c.attrs.push_back(std::string("padding_mode=") + names[static_cast<int>(c.mode)]);
  }
  return c;
}

std::optional<int> NetworkBuilder::conv(int x, Keep keep) {
  const Shape in = values_[static_cast<size_t>(x)].shape;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    ConvChoice c = randomConv(rng_, in, keep);
    if (!padFits(c.mode, c.padBegin.h, c.padEnd.h, in[2]) ||
        !padFits(c.mode, c.padBegin.w, c.padEnd.w, in[3]))
      continue;
    int64_t h =
        windowExtent(in[2], c.kernel.h, c.stride.h, c.padBegin.h, c.padEnd.h, c.dilation.h, false);
    int64_t w =
        windowExtent(in[3], c.kernel.w, c.stride.w, c.padBegin.w, c.padEnd.w, c.dilation.w, false);
    if (h < 1 || w < 1 || h > spatialLimit_ || w > spatialLimit_)
      continue;
    if (keep != Keep::Nothing && (h != in[2] || w != in[3]))
      continue;
    int layer = emit("conv", "conv2d", {x}, c.attrs, {in[0], c.outChannels, h, w});
    int64_t fanIn = in[1] / c.groups * c.kernel.h * c.kernel.w;
    declareWeight(layer, "weight", {c.outChannels, in[1] / c.groups, c.kernel.h, c.kernel.w},
                  WeightKind::FanInScaled, fanIn);
    bool bias = std::find(c.attrs.begin(), c.attrs.end(), "bias=false") == c.attrs.end();
    if (bias)
      declareWeight(layer, "bias", {c.outChannels}, WeightKind::FanInScaled, fanIn);
    return layer;
  }
  return std::nullopt;
}

std::optional<int> NetworkBuilder::pad(int x) {
  const Shape in = values_[static_cast<size_t>(x)].shape;
  const char *modeNames[] = {"zeros", "reflect", "replicate", "circular"};
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    int64_t side[4] = {0, 0, 0, 0}; // left, right, top, bottom
    std::string padding;
    double r = rng_.unit();
    if (r < 0.35) {
      side[0] = side[1] = side[2] = side[3] = rng_.range(rng_.chance(0.1) ? 0 : 1, 2);
      padding = std::to_string(side[0]);
    } else if (r < 0.55) {
      side[0] = rng_.range(0, 3), side[1] = rng_.range(0, 3);
      padding = "(" + std::to_string(side[0]) + ", " + std::to_string(side[1]) + ")";
    } else {
      padding = "(";
      for (int i = 0; i < 4; ++i)
        padding += (i ? ", " : "") + std::to_string(side[i] = rng_.range(0, 3));
      padding += ")";
    }
    std::vector<std::string> attrs;
    PadKind kind = PadKind::Zeros;
    double m = rng_.unit();
    if (m < 0.2) {
      attrs.push_back("mode=constant");
    } else if (m < 0.35) {
      // no mode: constant
    } else {
      kind = randomPadKind(rng_);
      attrs.push_back(std::string("mode=") + modeNames[static_cast<int>(kind)]);
    }
    // `value` is allowed only with mode=constant, written or defaulted.
    if (m < 0.35 && rng_.chance(0.5))
      attrs.push_back("value=" + rng_.pick(std::vector<std::string>{"0.5", "-1.25", "2", "0.0"}));
    if (!padFits(kind, side[0], side[1], in[3]) || !padFits(kind, side[2], side[3], in[2]))
      continue;
    int64_t h = in[2] + side[2] + side[3], w = in[3] + side[0] + side[1];
    if (h > spatialLimit_ || w > spatialLimit_)
      continue;
    // `padding` may be positional (after the tensor) or a keyword anywhere.
    if (rng_.chance(0.6))
      attrs.insert(attrs.begin(), padding);
    else
      attrs.insert(attrs.begin() + static_cast<long>(rng_.range(0, int64_t(attrs.size()))),
                   "padding=" + padding);
    return emit("pad", "pad", {x}, attrs, {in[0], in[1], h, w});
  }
  return std::nullopt;
}

struct PoolChoice {
  Axis kernel{1, 1}, stride{1, 1}, padding{0, 0}, dilation{1, 1};
  bool ceilMode = false;
  std::vector<std::string> attrs;
};

PoolChoice randomPool(Rng &rng, bool isMax, Keep keep) {
  PoolChoice p;
  p.kernel = randomAxis(rng, 1, 4);
  p.attrs.push_back("kernel_size=" + pairText(rng, p.kernel.h, p.kernel.w));
  if (keep != Keep::Nothing) {
    p.stride = {1, 1};
    p.attrs.push_back("stride=1");
  } else if (rng.chance(0.4)) {
    p.stride = p.kernel; // PyTorch: stride defaults to kernel_size
  } else {
    p.stride = randomAxis(rng, 1, 3);
    p.attrs.push_back("stride=" + pairText(rng, p.stride.h, p.stride.w));
  }
  if (rng.chance(0.6)) {
    p.padding = {rng.range(0, p.kernel.h / 2), rng.range(0, p.kernel.w / 2)};
    p.attrs.push_back("padding=" + pairText(rng, p.padding.h, p.padding.w));
  }
  if (isMax && rng.chance(0.3)) {
    p.dilation = randomAxis(rng, 1, 2, 0.5);
    p.attrs.push_back("dilation=" + pairText(rng, p.dilation.h, p.dilation.w));
  }
  if (rng.chance(0.4)) {
    p.ceilMode = rng.chance(0.75);
    p.attrs.push_back(std::string("ceil_mode=") + (p.ceilMode ? "true" : "false"));
  }
  if (!isMax && rng.chance(0.35))
    p.attrs.push_back(std::string("count_include_pad=") + (rng.chance(0.7) ? "false" : "true"));
  if (!isMax && rng.chance(0.2))
    p.attrs.push_back("divisor_override=" + std::to_string(rng.range(1, 9)));
  return p;
}

std::optional<int> NetworkBuilder::pool(int x, bool isMax, Keep keep) {
  const Shape in = values_[static_cast<size_t>(x)].shape;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    PoolChoice p = randomPool(rng_, isMax, keep);
    int64_t h = windowExtent(in[2], p.kernel.h, p.stride.h, p.padding.h, p.padding.h, p.dilation.h,
                             p.ceilMode);
    int64_t w = windowExtent(in[3], p.kernel.w, p.stride.w, p.padding.w, p.padding.w, p.dilation.w,
                             p.ceilMode);
    if (h < 1 || w < 1 || (keep != Keep::Nothing && (h != in[2] || w != in[3])))
      continue;
    return emit(isMax ? "maxpool" : "avgpool", isMax ? "max_pool2d" : "avg_pool2d", {x}, p.attrs,
                {in[0], in[1], h, w});
  }
  return std::nullopt;
}

std::optional<int> NetworkBuilder::globalPool(int x) {
  const Shape in = values_[static_cast<size_t>(x)].shape;
  bool isMax = rng_.chance(0.5);
  return emit(isMax ? "gmaxpool" : "gavgpool", isMax ? "global_max_pool2d" : "global_avg_pool2d",
              {x}, {}, {in[0], in[1], 1, 1});
}

std::optional<int> NetworkBuilder::batchNorm(int x) {
  const Shape in = values_[static_cast<size_t>(x)].shape;
  std::vector<std::string> attrs;
  if (rng_.chance(0.3))
    attrs.push_back("eps=" + rng_.pick(std::vector<std::string>{"0.001", "1e-5", "0.1", "1"}));
  int layer = emit("bn", "batch_norm", {x}, attrs, in);
  declareWeight(layer, "weight", {in[1]}, WeightKind::Unit);
  declareWeight(layer, "bias", {in[1]}, WeightKind::Unit);
  declareWeight(layer, "running_mean", {in[1]}, WeightKind::Unit);
  declareWeight(layer, "running_var", {in[1]}, WeightKind::Variance);
  return layer;
}

std::optional<int> NetworkBuilder::activation(int x) {
  const std::string op =
      rng_.pick(std::vector<std::string>{"relu", "relu6", "sigmoid", "tanh", "leaky_relu"});
  std::vector<std::string> attrs;
  if (op == "leaky_relu" && rng_.chance(0.6))
    attrs.push_back("negative_slope=" +
                    rng_.pick(std::vector<std::string>{"0.2", "0.01", "1", "0", "-0.5", "3"}));
  return emit(op == "leaky_relu" ? "lrelu" : op, op, {x}, attrs,
              values_[static_cast<size_t>(x)].shape);
}

std::optional<int> NetworkBuilder::softmax(int x) {
  const Shape in = values_[static_cast<size_t>(x)].shape;
  std::vector<std::string> attrs;
  if (rng_.chance(0.7))
    attrs.push_back("dim=" + std::to_string(rng_.range(0, int64_t(in.size()) - 1)));
  return emit("softmax", "softmax", {x}, attrs, in);
}

/// A layer (or two) from `x` that keeps what `keep` says: the other side of a join.
std::optional<int> NetworkBuilder::branch(int x, Keep keep) {
  std::optional<int> b;
  double r = rng_.unit();
  if (r < 0.6 || keep == Keep::Shape)
    b = conv(x, keep);
  else if (r < 0.8)
    b = pool(x, rng_.chance(0.5), keep);
  if (!b)
    b = rng_.chance(0.5) ? activation(x) : batchNorm(x);
  if (rng_.chance(0.4))
    b = rng_.chance(0.6) ? activation(*b) : batchNorm(*b);
  return b;
}

std::optional<int> NetworkBuilder::add(int x) {
  const Shape &shape = values_[static_cast<size_t>(x)].shape;
  std::vector<int> same;
  for (size_t i = 0; i < values_.size(); ++i)
    if (static_cast<int>(i) != x && values_[i].shape == shape)
      same.push_back(static_cast<int>(i));
  int other = x; // add(a, a) now and then
  if (!same.empty() && rng_.chance(0.6))
    other = rng_.pick(same);
  else if (!rng_.chance(0.1))
    other = *branch(x, Keep::Shape);
  return emit("add", "add",
              rng_.chance(0.5) ? std::vector<int>{x, other} : std::vector<int>{other, x}, {},
              values_[static_cast<size_t>(x)].shape);
}

/// concat along `dim`: the other operands are existing tensors that fit, or new branches.
std::optional<int> NetworkBuilder::concatDim(int x, int64_t dim) {
  const Shape shape = values_[static_cast<size_t>(x)].shape;
  auto fits = [&](const Shape &s) {
    if (s.size() != shape.size())
      return false;
    for (size_t d = 0; d < s.size(); ++d)
      if (static_cast<int64_t>(d) != dim && s[d] != shape[d])
        return false;
    return true;
  };
  const int64_t limit = dim == 0 ? kMaxBatch : dim == 1 ? kMaxChannels : spatialLimit_;
  std::vector<int> operands = {x};
  int64_t extent = shape[static_cast<size_t>(dim)];
  const int wanted = rng_.chance(0.3) ? 3 : 2;
  for (int attempt = 0; attempt < 6 && static_cast<int>(operands.size()) < wanted; ++attempt) {
    std::vector<int> candidates;
    for (size_t i = 0; i < values_.size(); ++i)
      if (fits(values_[i].shape) && extent + values_[i].shape[static_cast<size_t>(dim)] <= limit)
        candidates.push_back(static_cast<int>(i));
    int next = -1;
    if (!candidates.empty() && rng_.chance(0.6))
      next = rng_.pick(candidates);
    else if (dim == 1 && extent < limit)
      next = *branch(x, Keep::Spatial);
    if (next < 0 || !fits(values_[static_cast<size_t>(next)].shape) ||
        extent + values_[static_cast<size_t>(next)].shape[static_cast<size_t>(dim)] > limit)
      continue;
    operands.push_back(next);
    extent += values_[static_cast<size_t>(next)].shape[static_cast<size_t>(dim)];
  }
  if (operands.size() < 2)
    return std::nullopt;
  std::vector<std::string> attrs;
  if (dim != 1 || rng_.chance(0.3))
    attrs.push_back("dim=" + std::to_string(dim));
  Shape out = shape;
  out[static_cast<size_t>(dim)] = extent;
  // Operand order matters for concat: shuffle it.
  for (size_t i = operands.size(); i > 1; --i)
    std::swap(operands[i - 1], operands[static_cast<size_t>(rng_.range(0, int64_t(i) - 1))]);
  return emit("cat", "concat", operands, attrs, out);
}

std::optional<int> NetworkBuilder::concat(int x) {
  const size_t rank = values_[static_cast<size_t>(x)].shape.size();
  int64_t dim = rng_.chance(0.7) ? 1 : rng_.range(0, int64_t(rank) - 1);
  std::optional<int> layer = concatDim(x, dim);
  return layer ? layer : concatDim(x, 1);
}

std::optional<int> NetworkBuilder::linear(int x, std::optional<int64_t> outFeatures) {
  const Shape in = values_[static_cast<size_t>(x)].shape;
  int64_t out = outFeatures ? *outFeatures : rng_.range(1, 10);
  std::vector<std::string> attrs = {"out_features=" + std::to_string(out)};
  bool bias = true;
  if (rng_.chance(0.3)) {
    bias = rng_.chance(0.5);
    attrs.push_back(std::string("bias=") + (bias ? "true" : "false"));
  }
  int layer = emit("fc", "linear", {x}, attrs, {in[0], out});
  declareWeight(layer, "weight", {out, in[1]}, WeightKind::FanInScaled, in[1]);
  if (bias)
    declareWeight(layer, "bias", {out}, WeightKind::FanInScaled, in[1]);
  return layer;
}

/// flatten + linear, then maybe a second linear joined by add or concat, an activation
/// or batch_norm, and a softmax.
void NetworkBuilder::addHead() {
  int x = pickOperand(4);
  if (x < 0)
    return;
  if (rng_.chance(0.5))
    x = *globalPool(x);
  const Shape &in = values_[static_cast<size_t>(x)].shape;
  int flat = emit("flat", "flatten", {x}, {}, {in[0], in[1] * in[2] * in[3]});
  int y = *linear(flat);
  if (rng_.chance(0.3)) {
    // A second classifier on the same features, joined with the first.
    int z = *linear(flat, values_[static_cast<size_t>(y)].shape[1]);
    Shape joined = values_[static_cast<size_t>(y)].shape;
    if (rng_.chance(0.5)) {
      y = emit("add", "add", {y, z}, {}, joined);
    } else {
      int64_t dim = rng_.range(0, 1);
      joined[static_cast<size_t>(dim)] *= 2;
      y = emit("cat", "concat", {z, y}, {"dim=" + std::to_string(dim)}, joined);
    }
  }
  if (rng_.chance(0.4))
    y = rng_.chance(0.6) ? *activation(y) : *batchNorm(y);
  if (rng_.chance(0.6))
    (void)softmax(y);
}

void NetworkBuilder::useEveryInput() {
  for (size_t i = 0; i < values_.size(); ++i)
    if (values_[i].isInput && values_[i].uses == 0)
      (void)activation(static_cast<int>(i));
}

/// Every tensor nobody consumes is an output (so no layer is dead); sometimes an
/// intermediate tensor or an input too.
void NetworkBuilder::chooseOutputs() {
  std::vector<std::string> extra;
  for (const Value &v : values_) {
    if (!v.isInput && v.uses == 0)
      network_.outputs.push_back(v.name);
    else if (!v.isInput || rng_.chance(0.2))
      extra.push_back(v.name);
  }
  if (!extra.empty() && rng_.chance(0.3))
    network_.outputs.push_back(rng_.pick(extra));
  for (size_t i = network_.outputs.size(); i > 1; --i)
    std::swap(network_.outputs[i - 1],
              network_.outputs[static_cast<size_t>(rng_.range(0, int64_t(i) - 1))]);
}

float drawWeight(Rng &rng, const WeightDecl &decl) {
  switch (decl.kind) {
  case WeightKind::FanInScaled:
    return static_cast<float>(rng.uniform(-1, 1) / std::sqrt(static_cast<double>(decl.fanIn)));
  case WeightKind::Unit:
    return static_cast<float>(rng.uniform(-1, 1));
  case WeightKind::Variance:
    return static_cast<float>(rng.uniform(0.5, 1.5));
  }
  return 0.0f;
}

rt::Tensor randomTensor(Rng &rng, const Shape &shape, const WeightDecl &decl) {
  rt::Tensor tensor = rt::Tensor::zeros(shape);
  for (float &v : tensor.data)
    v = drawWeight(rng, decl);
  return tensor;
}

rt::Status writeAll(const std::string &path, const std::vector<std::string> &names,
                    const std::vector<rt::Tensor> &tensors) {
  std::vector<std::pair<std::string, const rt::Tensor *>> entries;
  for (size_t i = 0; i < names.size(); ++i)
    entries.emplace_back(names[i], &tensors[i]);
  return rt::writeSafetensors(path, entries);
}

} // namespace

RandomNetwork generateRandomNetwork(uint64_t seed, const GeneratorOptions &options) {
  return NetworkBuilder(seed, options).build();
}

bool setAvoidSwitch(GeneratorOptions &, const std::string &) { return false; }

std::string generateNetwork(uint64_t seed, const GeneratorOptions &options) {
  return generateRandomNetwork(seed, options).text;
}

rt::Status writeRandomTensors(const RandomNetwork &network, const std::string &weightsPath,
                              const std::string &inputsPath) {
  // A stream of its own, so the values do not depend on how the generator drew.
  Rng rng(network.seed * 0xD1B54A32D192ED03ULL + 0x8CB92BA72F3D8DD7ULL);
  std::vector<std::string> names;
  std::vector<rt::Tensor> tensors;
  for (const WeightDecl &decl : network.weights) {
    names.push_back(decl.name);
    tensors.push_back(randomTensor(rng, decl.shape, decl));
  }
  rt::Status written = writeAll(weightsPath, names, tensors);
  if (!written)
    return written;
  names.clear();
  tensors.clear();
  for (const auto &[name, shape] : network.inputs) {
    names.push_back(name);
    tensors.push_back(randomTensor(rng, shape, {name, shape, WeightKind::Unit, 1}));
  }
  return writeAll(inputsPath, names, tensors);
}

std::map<std::string, Shape> parseCheckShapes(const std::string &checkOutput) {
  std::map<std::string, Shape> shapes;
  std::istringstream lines(checkOutput);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    std::string name, op;
    size_t open = line.find('['), close = line.find(']');
    if (!(words >> name >> op) || open == std::string::npos || close == std::string::npos ||
        close < open)
      continue;
    Shape shape;
    std::istringstream dims(line.substr(open + 1, close - open - 1));
    for (std::string dim; std::getline(dims, dim, ',');)
      shape.push_back(std::stoll(dim));
    shapes[name] = shape;
  }
  return shapes;
}

std::string formatShape(const Shape &shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + "]";
}

} // namespace cnnc::test
