// Overflow-checked element counts, shared by the readers (which must not trust a
// file's shape) and the writers (which must not trust a caller's Tensor).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace cnnc::rt {

/// a * b for non-negative operands, or nullopt if it exceeds INT64_MAX.
inline std::optional<int64_t> checkedMul(int64_t a, int64_t b) {
  int64_t product = 0;
  if (__builtin_mul_overflow(a, b, &product))
    return std::nullopt;
  return product;
}

/// Product of the dimensions, or nullopt if a dimension is negative or the product
/// (or its size in `elementBytes`-byte elements) exceeds INT64_MAX.
inline std::optional<int64_t> checkedByteCount(const std::vector<int64_t> &shape,
                                               int64_t elementBytes) {
  int64_t count = elementBytes;
  for (int64_t dim : shape) {
    if (dim < 0)
      return std::nullopt;
    std::optional<int64_t> next = checkedMul(count, dim);
    if (!next)
      return std::nullopt;
    count = *next;
  }
  return count;
}

} // namespace cnnc::rt
