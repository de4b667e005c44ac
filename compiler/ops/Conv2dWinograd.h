// conv2d by Winograd's minimal filtering F(2x2, 3x3): the algorithm a schedule may ask
// for instead of the direct sum (lower::WinogradFuncs says what it computes).
#pragma once

#include "compiler/ir/Attrs.h"
#include "compiler/ir/Graph.h"
#include "compiler/lower/LowerContext.h"

#include <Halide.h>
#include <vector>

namespace cnnc::ops {

/// Input channels below which Winograd does not pay: its input and output transforms
/// cost about the same per tile whatever the channels, while the multiplies it saves
/// grow with them (a 3-channel first layer gains nothing).
constexpr int64_t kWinogradMinInChannels = 16;

/// Whether a conv2d of `attrs` reading `input` has a Winograd F(2x2, 3x3)
/// form here: a dense 3x3 kernel of stride and dilation 1, at least
/// kWinogradMinInChannels input channels and at least one 16-channel vector of output
/// channels (a last partial vector overlaps the one before it: 40 channels are
/// computed as 0-15, 16-31, 24-39). Any output size: an odd one computes half a tile
/// past the end (see .cpp).
bool admitsWinogradConv2d(const ir::Conv2dAttrs &attrs, const ir::Shape &input);

/// out(x, y, o, n) = bias(o) + the convolution of `input` (already extended by the
/// padding) with `weight` (kx, ky, i, o), by F(2x2, 3x3). The weight transform
/// G g G^T is prepared once when weights are bound; the rest fills
/// *context.winogradFuncs and returns the function `accumulator` is (bias plus output
/// transform), which the caller's stage copies.
Halide::Func lowerConv2dWinograd(const lower::LowerContext &context, const ir::Conv2dAttrs &attrs,
                                 const Halide::Func &input, const Halide::Func &weight,
                                 const Halide::Expr &bias);

} // namespace cnnc::ops
