// The padding loop oneDNN lacks: a padded copy of an activation in any of the layouts
// oneDNN's convolutions and pooling use (plain NCHW, NHWC, channel-blocked nChw8c and
// nChw16c), so the copy needs no reorder around it.
#pragma once

#include "compiler/ir/Attrs.h"

#include <cstdint>

namespace cnnc::onednn {

/// An activation seen as `outer` planes of `height` x `width` pixels, each pixel a
/// contiguous vector of `vector` floats: NCHW is (N*C, H, W, 1), NHWC is (N, H, W, C),
/// nChw16c is (N*C/16, H, W, 16).
struct PlaneLayout {
  int64_t outer = 1;
  int64_t height = 0;
  int64_t width = 0;
  int64_t vector = 1;
};

/// Writes `src` (layout `in`) extended by `padding` under `mode` (PyTorch's
/// F.pad rules; `value` for PadMode::Constant) into `dst`, whose layout is `in` with
/// the padded height and width. Parallel over planes and rows (OpenMP).
void padCopy(const float *src, const PlaneLayout &in, float *dst, const ir::Pad4 &padding,
             ir::PadMode mode, float value);

} // namespace cnnc::onednn
