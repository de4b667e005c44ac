// Helpers several converters share: sliding-window attributes, weights, axes.
#pragma once

#include "compiler/import/onnx/ConvertContext.h"

#include <array>
#include <optional>
#include <string>

namespace cnnc::onnximport {

/// kernel_shape, strides, dilations and pads (or auto_pad) of Conv and the pools,
/// resolved to explicit per-side padding. Height first.
struct Window {
  std::array<int64_t, 2> kernel{1, 1}, stride{1, 1}, dilation{1, 1};
  std::array<int64_t, 2> padBegin{0, 0}, padEnd{0, 0};
  bool symmetric() const { return padBegin == padEnd; }
};

/// Reads the window attributes of `node` over a 4-D input of `inputShape`. `kernel`
/// is the kernel size when the node may omit kernel_shape (Conv: from its weight).
std::optional<Window> readWindow(ConvertContext &ctx, const onnx::NodeProto &node,
                                 const ir::Shape &inputShape,
                                 std::optional<std::array<int64_t, 2>> kernel);

/// "[3, 3]" for messages.
std::string cnnTupleText(const std::array<int64_t, 2> &pair);

/// Requires a 4-D (NCHW) tensor input.
bool requireRank4(ConvertContext &ctx, const onnx::NodeProto &node, const ir::Shape &shape);

/// A float constant as a runtime tensor of the given shape (same element count).
rt::Tensor toTensor(const Constant &constant, std::vector<int64_t> shape);

/// "layer1.0.conv1" for the initializer "layer1.0.conv1.weight" and suffix "weight";
/// empty for names PyTorch's exporter invents ("onnx::Conv_193").
std::string modulePathFromWeight(const std::string &initializerName, const std::string &suffix);

/// A possibly negative axis made absolute, or nullopt (reported) when out of range.
std::optional<int64_t> normalizeAxis(ConvertContext &ctx, const onnx::NodeProto &node,
                                     int64_t axis, size_t rank);

/// The float values of a constant input that must hold `count` values (a bias,
/// a batch-norm statistic), reported when it does not.
const Constant *floatVector(ConvertContext &ctx, const onnx::NodeProto &node, int input,
                            const std::string &what, int64_t count);

} // namespace cnnc::onnximport
