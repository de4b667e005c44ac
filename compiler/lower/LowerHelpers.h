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

/// The output channels a convolution's register block computes together, which is
/// also how its prepared weights are grouped (each block's weights contiguous, the
/// block's channels innermost): lowering lays the weights out by it and schedules block
/// by it (LoweredTensor::channelBlock), so the two always agree.
///
/// kChannelVectorBlock (16 channels, one AVX-512 vector) for a dense (groups = 1)
/// convolution whose rows are narrower than two such vectors (ResNet's 7x7 and 14x14
/// layers): vectors then run across output channels, each tap one vector load of
/// weights and a broadcast per pixel, instead of mostly empty vectors across 7 pixels.
/// Otherwise 8, or the largest of 4, 2, 1 dividing the channels, with vectors across x.
constexpr int64_t kChannelVectorBlock = 16;
int64_t convChannelBlock(int64_t outChannels, int64_t outWidth, int64_t groups);

/// A new function named for the node being lowered (LowerContext::funcName).
Halide::Func newFunc(const LowerContext &context);

/// An int64 attribute or extent as a Halide int32 expression. Extents are checked to
/// fit at lowering time; Halide indexes with int32.
Halide::Expr i32(int64_t value);

} // namespace cnnc::lower
