// Tensor: an owning, dense, row-major f32 tensor, the unit the runtime reads and writes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace cnnc::rt {

/// A dense row-major f32 tensor. `data.size()` is expected to equal `numel()`; the
/// writers check it, since a Tensor is a plain struct anyone can fill.
struct Tensor {
  std::vector<int64_t> shape;
  std::vector<float> data;

  /// Product of the dimensions: 1 for a scalar (empty shape), 0 if any dimension is 0.
  int64_t numel() const;

  /// A tensor of `shape` filled with 0. Dimensions must be non-negative.
  static Tensor zeros(std::vector<int64_t> shape);
};

/// "[64, 3, 3, 3]"; "[]" for a scalar. The form every runtime message uses.
std::string formatShape(const std::vector<int64_t> &shape);

} // namespace cnnc::rt
