// Pieces several operator lowerings share: the variables of a tensor, boundary
// conditions for each padding mode, and the name of the function being defined.
#pragma once

#include "compiler/ir/Attrs.h"
#include "compiler/lower/LowerContext.h"

#include <Halide.h>

#include <vector>

namespace cnnc::lower {

/// (x, y, c, n) for a 4-D tensor, (f, n) for a 2-D one.
std::vector<Halide::Var> tensorArgs(size_t rank);

/// `source` (defined on [0, width) x [0, height) in x and y) extended to every
/// coordinate by PyTorch's padding `mode`: Halide's boundary conditions, which bounds
/// inference understands and which mark the interior `likely` for loop partitioning.
/// Constant reads `value` outside and replicate is repeat_edge; reflect (PyTorch's
/// reflect does not repeat the edge) and circular are index maps of the same form
/// (LowerHelpers.cpp says why not mirror_interior and repeat_image). Every source
/// passed here is 4-D.
Halide::Func withBoundary(const Halide::Func &source, ir::PadMode mode, float value, int64_t width,
                          int64_t height);

/// The same for `source` as a lowered tensor, read by the layer of `context`: a
/// constant padding there reads the rows unclamped (LowerContext::unclampedRows says
/// why).
Halide::Func withBoundary(const LowerContext &context, const LoweredTensor &source,
                          ir::PadMode mode, float value);

/// The output channels a convolution's register block computes together, which is
/// also how its prepared weights are grouped (each block's weights contiguous, the
/// block's channels innermost): lowering lays the weights out by it and schedules block
/// by it (LoweredTensor::channelBlock), so the two always agree.
///
/// kChannelVectorBlock (16 channels, one AVX-512 vector) for a dense (groups = 1)
/// convolution with a multiple of 16 output channels, where vectors across x would be
/// partly empty: vectors then run across output channels, each tap one vector load of
/// weights and one broadcast per pixel. That is rows narrower than two vectors
/// (ResNet's 7x7 and 14x14 layers: mostly empty vectors across 7 pixels), and rows
/// whose blocks of 32 pixels would compute more than 5% past the row's end when the
/// weights fit a core's cache share (kCachedWeightBytes): ResNet's 56x56x64 3x3
/// convolution ran 1.16x faster, its 112-wide stem 1.03x, but rows of a multiple of
/// 32 ran 1.0-1.12x faster with vectors across x (fewer loads per FMA). Wide rows take
/// it only from kMinChannelVectorReduction multiply-adds per output value (input
/// channels per group x kernel taps) up: a wide row's accumulator is copied out through
/// register transposes, a fixed cost per output value that a shallow reduction does not
/// repay. Narrow rows
/// take it with other channel counts too, from kMinPaddedChannelVectors vectors up: the
/// prepared weights then end in a block padded with zeros, whose extra channels are
/// computed and never stored (SqueezeNet's 1000-channel 1x1 classifier at 13x13: 2.7 ms
/// with 8-channel blocks across x, oneDNN 0.9). Otherwise 8, or the largest of 4, 2, 1
/// dividing the channels, with vectors across x.
constexpr int64_t kChannelVectorBlock = 16;
/// The reduction depth from which wide rows take vectors across output channels.
/// Measured on 56-wide 1x1 and 112-wide 3x3 convolutions to 64 channels (one core,
/// AVX-512, AMD EPYC Zen 4), vectors across channels / across x: depth 27 (3x3 of 3
/// channels) 0.611 / 0.486 ms, 32 0.188 / 0.143, 64 0.305 / 0.279, 72 1.29 / 1.24, 96
/// 0.415 / 0.431, 108 1.92 / 1.95, 144 0.606 / 0.661, 256 1.06 / 1.16. MobileNet-V2's
/// expansion (24 -> 144 channels at 56x56) 0.339 -> 0.249 ms.
constexpr int64_t kMinChannelVectorReduction = 80;
/// Vectors of output channels from which a padded last block wastes at most 1/4.
constexpr int64_t kMinPaddedChannelVectors = 4;
/// Weights a core's cache keeps while a stage sweeps its rows: half of a 2 MiB L2 (this
/// machine's; server cores have 1-2 MiB), leaving room for the rows. A layer with more
/// sweeps channel blocks outermost instead (StageSchedule.cpp).
constexpr int64_t kCachedWeightBytes = int64_t(1) << 20;
int64_t convChannelBlock(int64_t outChannels, int64_t outWidth, int64_t groups, int64_t reduction,
                         int64_t weightBytes);

/// A new function named for the node being lowered (LowerContext::funcName).
Halide::Func newFunc(const LowerContext &context);

/// An int64 attribute or extent as a Halide int32 expression. Extents are checked to
/// fit at lowering time; Halide indexes with int32.
Halide::Expr i32(int64_t value);

} // namespace cnnc::lower
