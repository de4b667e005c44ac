// Sliding-window arithmetic (convolution and pooling), exactly as PyTorch has it.
// Shape inference, the evaluators, lowering and `explain` all call these, so a rule
// (ceil_mode, `same`, a padded index) is written once.
#pragma once

#include "compiler/ir/Attrs.h"

#include <algorithm>
#include <cstdint>
#include <optional>

namespace cnnc::ir {

/// Output extent of a sliding window along one axis, or a value < 1 when the window
/// does not fit. PyTorch's formula: floor((in + pb + pe - d*(k-1) - 1) / s) + 1, with
/// ceil_mode rounding up but dropping a last window that starts in the end padding.
int64_t windowOutputExtent(int64_t in, int64_t kernel, int64_t stride, int64_t padBegin,
                           int64_t padEnd, int64_t dilation, bool ceilMode);

/// The span of a dilated kernel: d*(k-1) + 1.
int64_t dilatedKernelExtent(int64_t kernel, int64_t dilation);

/// Padding for `padding=same` (stride 1): total d*(k-1), the odd pixel at the end,
/// as torch.nn.Conv2d does.
struct PadPair {
  int64_t begin = 0;
  int64_t end = 0;
};
PadPair samePadding(int64_t kernel, int64_t dilation);

/// The first input coordinate (in unpadded coordinates, possibly negative) that
/// output `out` of a window reads. A template so that the Halide lowering computes
/// the same thing on Halide::Expr as the evaluators do on integers.
template <typename T> T windowStart(T out, T stride, T padBegin) { return out * stride - padBegin; }

/// Where padded coordinate `i` (in unpadded coordinates, any value within the padding)
/// reads from a dimension of `size`: an index in [0, size), or nullopt for the
/// constant region. Reflect excludes the edge (PyTorch's `reflect`, Halide's
/// mirror_interior); replicate repeats the edge; circular wraps around.
std::optional<int64_t> paddedSourceIndex(PadMode mode, int64_t i, int64_t size);

/// The divisor PyTorch's avg_pool2d uses for the window starting at `start` (unpadded
/// coordinates) along one axis: the number of taps counted, before multiplying the
/// two axes. With count_include_pad the window is clipped to the padded input, else to
/// the real input.
/// A template for the same reason as windowStart (min and max resolve to Halide's for
/// Halide::Expr).
template <typename T>
T averagePoolTaps(T start, T kernel, T in, T padEnd, bool countIncludePad) {
  using std::max;
  using std::min;
  T end = min(start + kernel, in + padEnd);
  if (countIncludePad)
    return end - start;
  return min(end, in) - max(start, T(0));
}

} // namespace cnnc::ir
