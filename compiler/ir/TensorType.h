// Shapes of the f32 tensors that flow through a network: [N, C, H, W] or [N, F].
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cnnc::ir {

using Shape = std::vector<int64_t>;

/// "[1, 3, 224, 224]"
std::string formatShape(const Shape &shape);

/// The number of elements, or nullopt if it does not fit in int64.
std::optional<int64_t> elementCount(const Shape &shape);

/// a * b, or nullopt on int64 overflow (both non-negative).
std::optional<int64_t> checkedMul(int64_t a, int64_t b);

} // namespace cnnc::ir
