// Tensor helpers: element count, zero construction, and the shape format of messages.
#include "cnnc/runtime/Tensor.h"

#include <cassert>
#include <utility>

using namespace cnnc::rt;

int64_t Tensor::numel() const {
  int64_t count = 1;
  for (int64_t dim : shape) {
    assert(dim >= 0 && "negative tensor dimension");
    count *= dim;
  }
  return count;
}

Tensor Tensor::zeros(std::vector<int64_t> shape) {
  Tensor tensor;
  tensor.shape = std::move(shape);
  tensor.data.assign(static_cast<size_t>(tensor.numel()), 0.0f);
  return tensor;
}

std::string cnnc::rt::formatShape(const std::vector<int64_t> &shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i != 0)
      text += ", ";
    text += std::to_string(shape[i]);
  }
  return text + "]";
}
