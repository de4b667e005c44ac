// What an operator's Halide lowering sees. Included only by files that include
// Halide.h (ops/, lower/, schedule/, emit/): STYLE.md 1.2.
#pragma once

#include "compiler/ir/Graph.h"

#include <Halide.h>

#include <string>
#include <vector>

namespace cnnc::lower {

/// The functions of a convolution computed by Winograd's minimal filtering F(2x2, 3x3)
/// (Lavin and Gray, "Fast Algorithms for Convolutional Neural Networks", 2016): each
/// 2x2 block of outputs, a tile, is computed from the 4x4 block of input it reads as
/// A^T [(G g G^T) . (B^T d B)] A, so its 36 multiplies per input channel become 16,
/// and the 16 element-wise products summed over input channels are 16 matrix products
/// (output channels x input channels by input channels x tiles). Each function's
/// dimensions are listed below innermost first: tx, ty the tile's column and row, ex,
/// ey the element of a 4x4 transformed tile, a the output column inside a tile
/// (WinogradVars), c and n the channel and batch (TensorVars).
struct WinogradFuncs {
  Halide::Func inputTiles; // V(tx, c, ex, ey, ty, n) = B^T d B of input channel c
  Halide::Func products;   // P(c, tx, ex, ey, ty, n): sum over input channels of U V (reduction)
  Halide::Func productTiles; // the stored copy of `products` the transforms read
  Halide::Func columnSums; // Z(c, tx, a, ey, ty, n): A^T applied along x
  /// Tile row ty covers output rows 2 ty + rowOffset and 2 ty + rowOffset + 1.
  int rowOffset = 0;
  bool defined() const { return products.defined(); }
};

/// A tensor as a Halide function. Dimensions are innermost first, the reverse of
/// PyTorch's: (x=w, y=h, c, n) for [N, C, H, W] and (f, n) for [N, F]. `func` is
/// defined on the tensor's extent; reading outside it is only allowed through a
/// boundary condition (see `bounded`).
struct LoweredTensor {
  Halide::Func func;
  ir::Shape shape;
  /// For a reduction layer (conv2d, linear): the function that accumulates, of which
  /// `func` is a pure copy. Schedules compute it per register-sized tile of whatever
  /// stores the value, so the sums stay in registers. Undefined for other layers.
  Halide::Func accumulator;
  /// For a window layer (conv2d): its input extended by the padding, as a function of
  /// its own. Schedules compute it per row of the stage that stores the layer, so the
  /// boundary checks run once per input element instead of once per tap, and the
  /// inner loops read a plain buffer. Undefined for other layers.
  Halide::Func windowInput;
  /// For a layer whose prepared weights are grouped in blocks of output channels
  /// (conv2d): the block (lower::convChannelBlock), which schedules must use as their
  /// register block. 0 for other layers.
  int64_t channelBlock = 0;
  /// For a window layer each of whose output channels reads one input channel (a
  /// depthwise convolution): blocks of output channels read disjoint input channels,
  /// so schedules may make `windowInput` per block of channels.
  bool windowInputPerChannel = false;
  /// For a convolution whose sum leaves out the taps that read zero padding
  /// (LowerContext::skipPaddingTaps): true. Descriptions of the schedule say so.
  bool paddingTapsSkipped = false;
  /// For a conv2d lowered by Winograd's algorithm: its functions; `accumulator` is then
  /// the output transform plus bias, a pure function the stage copies.
  WinogradFuncs winograd;
};

/// A weight tensor in PyTorch's layout, dimensions reversed like activations:
/// conv2d.weight [O, I, KH, KW] is read as w(kx, ky, i, o).
using LoweredWeight = Halide::Func;

/// A function of the weights alone (a layout change, a batch-norm folded into a conv's
/// weights and bias), split out of the network into a pipeline of its own that runs
/// once when weights are bound (rt::Model, JitNetwork::bindWeights), never per run.
struct PreparedWeight {
  Halide::Func definition;     // over the raw weight parameters; the prepare pipeline's output
  Halide::ImageParam buffer;   // what the network reads instead: the prepared tensor
  std::vector<int64_t> extents; // innermost first, as Halide orders them
};

/// Collects a network's prepared weights while it is lowered.
class WeightPreparation {
public:
  /// Registers `definition`, a function of weight parameters only defined over
  /// `extents` (innermost first), and returns what the layer should read in its place:
  /// a dense buffer holding the function's values, prepared before any run.
  Halide::Func prepare(const Halide::Func &definition, std::vector<int64_t> extents);

  std::vector<PreparedWeight> &all() { return prepared_; }

private:
  std::vector<PreparedWeight> prepared_;
};

struct LowerContext {
  const ir::Node &node;
  std::string funcName; // unique in the pipeline; the tensor's name for an output
  std::vector<LoweredTensor> inputs;   // the operands, in order
  std::vector<LoweredWeight> weights;  // OpDef::weights order
  /// A per-output-channel scale and shift folded into this layer (a batch-norm that
  /// follows a convolution): out = conv * scale(c) + shift(c), applied to the weights
  /// and bias rather than as an extra stage. Undefined Funcs when nothing is folded.
  Halide::Func foldedScale, foldedShift;
  /// Where a reduction layer leaves its accumulating function (LoweredTensor::accumulator).
  Halide::Func *accumulator = nullptr;
  /// Where a window layer leaves its padded input (LoweredTensor::windowInput).
  Halide::Func *windowInput = nullptr;
  /// Where a layer registers functions of its weights alone (WeightPreparation).
  WeightPreparation *preparation = nullptr;
  /// Where a layer with channel-blocked weights leaves its block (LoweredTensor).
  int64_t *channelBlock = nullptr;
  /// Where a window layer says its window input is per channel (LoweredTensor).
  bool *windowInputPerChannel = nullptr;
  /// Lower by Winograd's F(2x2, 3x3) (only set where OpDef::admitsWinograd), leaving its
  /// functions here.
  bool winograd = false;
  /// With `winograd`: the first row of its tiles modulo 2 (WinogradFuncs::rowOffset).
  int winogradRowOffset = 0;
  WinogradFuncs *winogradFuncs = nullptr;
  /// This layer's constant padding reads the rows of its first operand unclamped
  /// (LowerOptions::unclampedRows): the operand is computed per tile, only where read,
  /// and this layer slides in the same host, where Halide 14 slides the operand too
  /// only if the rows this layer reads are an affine function of the host's row loop,
  /// which a clamped row is not.
  bool unclampedRows = false;
  /// The schedule unrolls this layer's rows and taps where its rows are narrow
  /// (LowerOptions::skipPaddingTaps): a convolution may then sum over the taps inside
  /// its input only, each unrolled tap's test a constant.
  bool skipPaddingTaps = false;
  /// Where a convolution says it did (LoweredTensor::paddingTapsSkipped).
  bool *paddingTapsSkipped = nullptr;
};

/// The variables every lowered tensor is defined over.
struct TensorVars {
  static const Halide::Var &x();
  static const Halide::Var &y();
  static const Halide::Var &c();
  static const Halide::Var &n();
  static const Halide::Var &f(); // the feature dimension of [N, F]
};

/// The variables of WinogradFuncs beyond TensorVars.
struct WinogradVars {
  static const Halide::Var &tx();
  static const Halide::Var &ty();
  static const Halide::Var &ex();
  static const Halide::Var &ey();
  static const Halide::Var &a();
};

} // namespace cnnc::lower
