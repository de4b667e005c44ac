// Shape helpers shared by shape inference, cost and the evaluators.
#include "compiler/ir/TensorType.h"

#include "cnnc/runtime/Tensor.h"

#include <limits>

namespace cnnc::ir {

std::string formatShape(const Shape &shape) { return rt::formatShape(shape); }

std::optional<int64_t> checkedMul(int64_t a, int64_t b) {
  if (a != 0 && b > std::numeric_limits<int64_t>::max() / a)
    return std::nullopt;
  return a * b;
}

std::optional<int64_t> elementCount(const Shape &shape) {
  int64_t count = 1;
  for (int64_t dim : shape) {
    std::optional<int64_t> next = checkedMul(count, dim);
    if (!next)
      return std::nullopt;
    count = *next;
  }
  return count;
}

} // namespace cnnc::ir
