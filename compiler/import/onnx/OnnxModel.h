// Reading an ONNX file (a serialized onnx::ModelProto, Debian's libonnx-dev protobuf
// definitions) and decoding its tensors. Only this file and the converters see protobuf.
#pragma once

#include "compiler/import/onnx/Constant.h"

#include <onnx/onnx_pb.h>

#include <optional>
#include <string>

namespace cnnc::onnximport {

/// The operator set versions cnnc converts (the default "ai.onnx" domain).
constexpr int64_t kMinOpset = 11;
constexpr int64_t kMaxOpset = 17;

/// Parses `path`. On failure returns nullopt and sets `error` (unreadable file, not
/// an ONNX model).
std::optional<onnx::ModelProto> readOnnxModel(const std::string &path, std::string &error);

/// The model's version of the default operator set, or nullopt when it imports none.
std::optional<int64_t> defaultOpsetVersion(const onnx::ModelProto &model);

/// A float32 or integer tensor as a Constant (float64, int32 and smaller integer types
/// are converted; bool is taken as int64). Other types, external data and a size
/// that disagrees with the dims are errors, described in `error`.
std::optional<Constant> decodeTensor(const onnx::TensorProto &tensor, std::string &error);

/// "FLOAT16", "STRING", ... for messages.
std::string elementTypeName(int32_t dataType);

} // namespace cnnc::onnximport
