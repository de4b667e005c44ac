// Constant tensors and the element gather the folding operators share.
#include "compiler/import/onnx/Constant.h"

#include <cmath>

namespace cnnc::onnximport {

int64_t Constant::numel() const {
  int64_t n = 1;
  for (int64_t d : dims)
    if (__builtin_mul_overflow(n, d, &n))
      return -1; // no tensor that large can be held; callers compare with size()
  return n;
}

double Constant::at(size_t i) const {
  return type == ConstantType::Float ? static_cast<double>(floats[i])
                                     : static_cast<double>(ints[i]);
}

Constant Constant::ofInts(std::vector<int64_t> dims, std::vector<int64_t> values) {
  Constant c;
  c.type = ConstantType::Int64;
  c.dims = std::move(dims);
  c.ints = std::move(values);
  return c;
}

Constant Constant::ofFloats(std::vector<int64_t> dims, std::vector<float> values) {
  Constant c;
  c.type = ConstantType::Float;
  c.dims = std::move(dims);
  c.floats = std::move(values);
  return c;
}

Constant gatherElements(const Constant &source, std::vector<int64_t> dims,
                        const std::vector<int64_t> &sourceIndex) {
  Constant out;
  out.type = source.type;
  out.dims = std::move(dims);
  if (source.type == ConstantType::Float) {
    out.floats.reserve(sourceIndex.size());
    for (int64_t i : sourceIndex)
      out.floats.push_back(source.floats[static_cast<size_t>(i)]);
  } else {
    out.ints.reserve(sourceIndex.size());
    for (int64_t i : sourceIndex)
      out.ints.push_back(source.ints[static_cast<size_t>(i)]);
  }
  return out;
}

std::string formatDims(const std::vector<int64_t> &dims) {
  std::string text = "[";
  for (size_t i = 0; i < dims.size(); ++i)
    text += (i ? ", " : "") + std::to_string(dims[i]);
  return text + "]";
}

std::optional<std::vector<int64_t>> integerValues(const Constant &constant) {
  if (constant.type == ConstantType::Int64)
    return constant.ints;
  std::vector<int64_t> values;
  for (float f : constant.floats) {
    if (!std::isfinite(f) || std::trunc(f) != f)
      return std::nullopt;
    values.push_back(static_cast<int64_t>(f));
  }
  return values;
}

} // namespace cnnc::onnximport
