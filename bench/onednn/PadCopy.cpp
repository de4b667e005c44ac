// Padded copy: the interior of each row is one memcpy, the borders are gathered pixel
// by pixel through the same index rule the reference evaluator uses.
#include "bench/onednn/PadCopy.h"

#include "compiler/ir/WindowGeometry.h"

#include <algorithm>
#include <cstring>
#include <optional>

namespace cnnc::onednn {

using ir::PadMode;

void padCopy(const float *src, const PlaneLayout &in, float *dst, const ir::Pad4 &padding,
             PadMode mode, float value) {
  const int64_t outHeight = in.height + padding.top + padding.bottom;
  const int64_t outWidth = in.width + padding.left + padding.right;
  const int64_t vec = in.vector;
#pragma omp parallel for collapse(2) schedule(static)
  for (int64_t plane = 0; plane < in.outer; ++plane) {
    for (int64_t y = 0; y < outHeight; ++y) {
      float *row = dst + ((plane * outHeight + y) * outWidth) * vec;
      const std::optional<int64_t> sy = ir::paddedSourceIndex(mode, y - padding.top, in.height);
      if (!sy) {
        std::fill(row, row + outWidth * vec, value);
        continue;
      }
      const float *srcRow = src + ((plane * in.height + *sy) * in.width) * vec;
      std::memcpy(row + padding.left * vec, srcRow, sizeof(float) * in.width * vec);
      auto border = [&](int64_t begin, int64_t end) {
        for (int64_t x = begin; x < end; ++x) {
          const std::optional<int64_t> sx = ir::paddedSourceIndex(mode, x - padding.left, in.width);
          float *pixel = row + x * vec;
          if (sx)
            std::memcpy(pixel, srcRow + *sx * vec, sizeof(float) * vec);
          else
            std::fill(pixel, pixel + vec, value);
        }
      };
      border(0, padding.left);
      border(padding.left + in.width, outWidth);
    }
  }
}

} // namespace cnnc::onednn
