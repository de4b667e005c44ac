// A dense NCHW (or NF) tensor of doubles, as the reference evaluator uses them.
#pragma once

#include "compiler/ir/TensorType.h"

#include <vector>

namespace cnnc::ir {

struct RefTensor {
  Shape shape;
  std::vector<double> data;

  RefTensor() = default;
  explicit RefTensor(Shape s);

  /// Element of a 4-D tensor.
  double &at(int64_t n, int64_t c, int64_t h, int64_t w) {
    return data[static_cast<size_t>(((n * shape[1] + c) * shape[2] + h) * shape[3] + w)];
  }
  double at(int64_t n, int64_t c, int64_t h, int64_t w) const {
    return data[static_cast<size_t>(((n * shape[1] + c) * shape[2] + h) * shape[3] + w)];
  }
};

} // namespace cnnc::ir
