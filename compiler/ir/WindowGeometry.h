// Sliding-window arithmetic (convolution and pooling), exactly as PyTorch has it.
// Shape inference, the evaluators, lowering and `explain` all call these, so a rule
// (ceil_mode, `same`, a padded index) is written once.
#pragma once

#include "compiler/ir/Attrs.h"
#include "compiler/ir/TensorType.h"

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

/// The two spatial axes of an NCHW tensor.
enum class SpatialAxis { Height, Width };

/// The number of positions along a spatial axis: H or W of a 4-D tensor, 1 for a 2-D
/// [N, F] tensor (it has one position, whose value may depend on the whole input).
int64_t spatialExtent(const Shape &shape, SpatialAxis axis);

/// How one spatial axis of a layer's output reads the same axis of one operand, for
/// `cnnc explain`: output o reads the operand coordinates
/// windowStart(o, stride, padBegin) + t * dilation for taps t in [0, kernel). A
/// coordinate outside [0, extent) reads the padding through `padMode` (a pooling
/// layer's implicit padding counts as Constant), unless `outsideIsAbsent`: then it is
/// not read at all (concat along the axis: the output rows of the other operands). A
/// coordinate past the padding is never read (see isTapRead). Stride 0: every output
/// reads the same taps (a softmax along the axis). The default is a pointwise layer:
/// output o reads coordinate o.
struct AxisWindow {
  int64_t kernel = 1;
  int64_t stride = 1;
  int64_t dilation = 1;
  int64_t padBegin = 0;
  int64_t padEnd = 0;
  PadMode padMode = PadMode::Constant;
  bool outsideIsAbsent = false;
};

/// A sliding window (convolution or pooling) along one axis.
AxisWindow slidingWindow(int64_t kernel, int64_t stride, int64_t dilation, int64_t padBegin,
                         int64_t padEnd, PadMode padMode);
/// Every output reads the whole axis of `extent` (global pooling, flatten).
AxisWindow wholeAxisWindow(int64_t extent);

/// The operand coordinate that tap `tap` of output `out` reads (may be in the padding).
int64_t windowTap(const AxisWindow &window, int64_t out, int64_t tap);

/// Whether a tap at operand coordinate `u` reads anything: it must lie within the
/// padded operand [-padBegin, extent + padEnd) (PyTorch clips a ceil_mode window's
/// overhang past the end padding), and within the operand when `outsideIsAbsent`.
bool isTapRead(const AxisWindow &window, int64_t u, int64_t extent);

/// A closed interval of coordinates along one axis, possibly outside the tensor.
struct Span {
  int64_t first = 0;
  int64_t last = 0;
  int64_t size() const { return last - first + 1; }
};
/// The hull of the operand coordinates read by the outputs in `outputs`, in virtual
/// coordinates: a padded coordinate keeps its position outside the tensor.
Span windowReads(const AxisWindow &window, Span outputs);

/// The receptive field of one axis of a layer on one network input, by the standard
/// recurrence (Araujo, Norris & Sim, Distill 2019; Dumoulin & Visin 2016): `size` is
/// the extent of the input coordinates one output reads, padded (virtual) coordinates
/// included; `jump` the distance on the input between neighbouring outputs' fields;
/// `start` the first input coordinate of output 0's field (negative in the padding).
struct ReceptiveField {
  int64_t size = 1;
  int64_t jump = 1;
  int64_t start = 0;
};
/// Through one window: size + (dilation*(kernel-1))*jump, jump*stride, start -
/// padBegin*jump.
ReceptiveField throughWindow(const ReceptiveField &in, const AxisWindow &window);

} // namespace cnnc::ir
