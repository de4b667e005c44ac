// Typed attributes of every operator. BuildGraph turns `key=value` syntax into
// these structs once; after that nothing looks an attribute up by its name.
#pragma once

#include <cstdint>
#include <optional>
#include <variant>

namespace cnnc::ir {

/// (height, width), in PyTorch's tuple order.
struct Int2 {
  int64_t h = 0;
  int64_t w = 0;
};

/// Padding of the two spatial dimensions, begin and end separately.
struct Pad4 {
  int64_t left = 0;
  int64_t right = 0;
  int64_t top = 0;
  int64_t bottom = 0;

  bool isZero() const { return left == 0 && right == 0 && top == 0 && bottom == 0; }
};

/// How the region outside a tensor reads. `Constant` reads a fixed value (zero for
/// conv2d's `zeros` mode); the others follow torch.nn.functional.pad.
enum class PadMode { Constant, Reflect, Replicate, Circular };

const char *padModeName(PadMode mode);

struct Conv2dAttrs {
  int64_t outChannels = 0;
  Int2 kernel, stride{1, 1}, dilation{1, 1};
  Pad4 padding;       // `same` and `valid` already resolved
  int64_t groups = 1;
  bool bias = true;
  PadMode padMode = PadMode::Constant; // zero padding unless padding_mode says otherwise
};

struct PadAttrs {
  Pad4 padding;
  PadMode mode = PadMode::Constant;
  double value = 0.0; // used only by PadMode::Constant
};

enum class PoolKind { Max, Average };

struct Pool2dAttrs {
  PoolKind kind = PoolKind::Max;
  Int2 kernel, stride, dilation{1, 1};
  Pad4 padding;
  bool ceilMode = false;
  bool countIncludePad = true;            // average pooling only
  std::optional<int64_t> divisorOverride; // average pooling only
};

struct GlobalPoolAttrs {
  PoolKind kind = PoolKind::Average;
};

struct BatchNormAttrs {
  double eps = 1e-5;
};

enum class ActivationKind { Relu, Relu6, Sigmoid, Tanh, LeakyRelu };

struct ActivationAttrs {
  ActivationKind kind = ActivationKind::Relu;
  double negativeSlope = 0.01; // leaky_relu only
};

struct LinearAttrs {
  int64_t outFeatures = 0;
  bool bias = true;
};

/// concat and softmax: the dimension they work along.
struct AxisAttrs {
  int64_t dim = 1;
};

using Attrs = std::variant<std::monostate, Conv2dAttrs, PadAttrs, Pool2dAttrs, GlobalPoolAttrs,
                           BatchNormAttrs, ActivationAttrs, LinearAttrs, AxisAttrs>;

} // namespace cnnc::ir
