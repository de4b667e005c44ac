// ONNX files: parsing the protobuf, finding the opset, decoding initializers.
#include "compiler/import/onnx/OnnxModel.h"

#include <cstring>
#include <fstream>
#include <sstream>

namespace cnnc::onnximport {

namespace {

// Larger files are refused before reading: protobuf itself cannot parse a message over
// 2 GiB, and ONNX stores bigger models with external data, which cnnc does not read.
constexpr std::streamoff kMaxModelBytes = std::streamoff(2) << 30;

template <class T> std::vector<T> rawValues(const std::string &raw) {
  std::vector<T> values(raw.size() / sizeof(T));
  // An empty vector's data() may be null, which memcpy must not get even for 0 bytes.
  if (!values.empty())
    std::memcpy(values.data(), raw.data(), values.size() * sizeof(T));
  return values;
}

std::optional<std::vector<float>> floatValues(const onnx::TensorProto &t, std::string &error) {
  switch (t.data_type()) {
  case onnx::TensorProto::FLOAT:
    if (t.has_raw_data())
      return rawValues<float>(t.raw_data());
    return std::vector<float>(t.float_data().begin(), t.float_data().end());
  case onnx::TensorProto::DOUBLE: {
    std::vector<double> d = t.has_raw_data()
                                ? rawValues<double>(t.raw_data())
                                : std::vector<double>(t.double_data().begin(), t.double_data().end());
    return std::vector<float>(d.begin(), d.end());
  }
  default:
    error = "tensor type " + elementTypeName(t.data_type()) + " is not supported";
    return std::nullopt;
  }
}

std::optional<std::vector<int64_t>> intValues(const onnx::TensorProto &t, std::string &error) {
  switch (t.data_type()) {
  case onnx::TensorProto::INT64:
    if (t.has_raw_data())
      return rawValues<int64_t>(t.raw_data());
    return std::vector<int64_t>(t.int64_data().begin(), t.int64_data().end());
  case onnx::TensorProto::INT32:
    if (t.has_raw_data()) {
      std::vector<int32_t> v = rawValues<int32_t>(t.raw_data());
      return std::vector<int64_t>(v.begin(), v.end());
    }
    return std::vector<int64_t>(t.int32_data().begin(), t.int32_data().end());
  case onnx::TensorProto::BOOL:
  case onnx::TensorProto::UINT8:
  case onnx::TensorProto::INT8: {
    if (!t.has_raw_data())
      return std::vector<int64_t>(t.int32_data().begin(), t.int32_data().end());
    std::vector<int64_t> values;
    for (char c : t.raw_data())
      values.push_back(t.data_type() == onnx::TensorProto::INT8
                           ? static_cast<int64_t>(static_cast<int8_t>(c))
                           : static_cast<int64_t>(static_cast<uint8_t>(c)));
    return values;
  }
  default:
    error = "tensor type " + elementTypeName(t.data_type()) + " is not supported";
    return std::nullopt;
  }
}

bool isFloatType(int32_t type) {
  return type == onnx::TensorProto::FLOAT || type == onnx::TensorProto::DOUBLE;
}

} // namespace

std::string elementTypeName(int32_t dataType) {
  if (onnx::TensorProto::DataType_IsValid(dataType))
    return onnx::TensorProto::DataType_Name(static_cast<onnx::TensorProto::DataType>(dataType));
  return "#" + std::to_string(dataType);
}

std::optional<onnx::ModelProto> readOnnxModel(const std::string &path, std::string &error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "cannot open '" + path + "': " + std::strerror(errno);
    return std::nullopt;
  }
  in.seekg(0, std::ios::end);
  std::streamoff size = in.tellg();
  if (size < 0 || size > kMaxModelBytes) {
    error = "'" + path + "' is larger than 2 GiB (models with external data are not supported)";
    return std::nullopt;
  }
  in.seekg(0);
  std::string bytes(static_cast<size_t>(size), '\0');
  if (!in.read(bytes.data(), size)) {
    error = "cannot read '" + path + "'";
    return std::nullopt;
  }
  onnx::ModelProto model;
  if (bytes.empty() || !model.ParseFromString(bytes) || !model.has_graph()) {
    error = "'" + path + "' is not an ONNX model (cannot parse it as onnx.ModelProto)";
    return std::nullopt;
  }
  return model;
}

std::optional<int64_t> defaultOpsetVersion(const onnx::ModelProto &model) {
  for (const onnx::OperatorSetIdProto &opset : model.opset_import())
    if (opset.domain().empty() || opset.domain() == "ai.onnx")
      return opset.version();
  return std::nullopt;
}

std::optional<Constant> decodeTensor(const onnx::TensorProto &tensor, std::string &error) {
  if (tensor.data_location() == onnx::TensorProto::EXTERNAL) {
    error = "tensor data stored outside the model file (external data) is not supported";
    return std::nullopt;
  }
  Constant c;
  c.dims.assign(tensor.dims().begin(), tensor.dims().end());
  for (int64_t d : c.dims)
    if (d < 0) {
      error = "tensor has a negative dimension";
      return std::nullopt;
    }
  if (isFloatType(tensor.data_type())) {
    std::optional<std::vector<float>> values = floatValues(tensor, error);
    if (!values)
      return std::nullopt;
    c.type = ConstantType::Float;
    c.floats = std::move(*values);
  } else {
    std::optional<std::vector<int64_t>> values = intValues(tensor, error);
    if (!values)
      return std::nullopt;
    c.type = ConstantType::Int64;
    c.ints = std::move(*values);
  }
  if (static_cast<int64_t>(c.size()) != c.numel()) {
    error = "tensor holds " + std::to_string(c.size()) + " values for dims " +
            formatDims(c.dims);
    return std::nullopt;
  }
  return c;
}

} // namespace cnnc::onnximport
