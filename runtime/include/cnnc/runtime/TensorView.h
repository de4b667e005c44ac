// Non-owning views of caller-owned f32 tensors: what a compiled network reads its
// inputs from and writes its outputs to, without copying.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

namespace cnnc::rt {

/// The strides, in elements, of a dense row-major (C-ordered, PyTorch-contiguous)
/// tensor of `shape`: the last dimension has stride 1.
inline std::vector<int64_t> denseStrides(const std::vector<int64_t> &shape) {
  std::vector<int64_t> strides(shape.size(), 1);
  for (size_t i = shape.size(); i > 1; --i)
    strides[i - 2] = strides[i - 1] * shape[i - 1];
  return strides;
}

/// A writable view: `data` points at element [0, 0, ...]; element [i0, i1, ...] is at
/// `data[i0 * strides[0] + i1 * strides[1] + ...]`. Shapes and strides are in
/// PyTorch's order (N, C, H, W), strides in elements, exactly as `tensor.stride()`
/// reports them, so a sliced or transposed PyTorch tensor maps one to one.
struct TensorView {
  float *data = nullptr;
  std::vector<int64_t> shape;
  std::vector<int64_t> strides;

  /// A dense row-major view of `shape` over `data`.
  static TensorView dense(float *data, std::vector<int64_t> shape) {
    std::vector<int64_t> strides = denseStrides(shape);
    return TensorView{data, std::move(shape), std::move(strides)};
  }
};

/// A read-only view, for inputs. Every TensorView converts to one implicitly.
struct ConstTensorView {
  const float *data = nullptr;
  std::vector<int64_t> shape;
  std::vector<int64_t> strides;

  ConstTensorView() = default;
  ConstTensorView(const float *viewData, std::vector<int64_t> viewShape,
                  std::vector<int64_t> viewStrides)
      : data(viewData), shape(std::move(viewShape)), strides(std::move(viewStrides)) {}
  ConstTensorView(const TensorView &view) // NOLINT: implicit on purpose, like T* -> const T*
      : data(view.data), shape(view.shape), strides(view.strides) {}

  /// A dense row-major view of `shape` over `data`.
  static ConstTensorView dense(const float *data, std::vector<int64_t> shape) {
    std::vector<int64_t> strides = denseStrides(shape);
    return ConstTensorView(data, std::move(shape), std::move(strides));
  }
};

} // namespace cnnc::rt
