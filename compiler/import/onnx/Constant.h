// A constant ONNX tensor (an initializer, a Constant node, or something folded from
// them): the weights a layer takes, and the small int64 tensors (pads, shapes, axes)
// that PyTorch's exporter computes with Shape/Gather/Concat/Slice chains.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cnnc::onnximport {

enum class ConstantType { Float, Int64 };

struct Constant {
  ConstantType type = ConstantType::Float;
  std::vector<int64_t> dims;
  std::vector<float> floats;  // when type == Float
  std::vector<int64_t> ints;  // when type == Int64

  int64_t numel() const;
  size_t size() const { return type == ConstantType::Float ? floats.size() : ints.size(); }
  /// Element i as a double (shapes and bounds; exact for int64 below 2^53).
  double at(size_t i) const;

  static Constant ofInts(std::vector<int64_t> dims, std::vector<int64_t> values);
  static Constant ofFloats(std::vector<int64_t> dims, std::vector<float> values);
};

/// A new constant of `dims` whose element i is `source` element `sourceIndex[i]`: the
/// one primitive behind Transpose, Slice and Gather.
Constant gatherElements(const Constant &source, std::vector<int64_t> dims,
                        const std::vector<int64_t> &sourceIndex);

/// "[1, 3, 224, 224]"
std::string formatDims(const std::vector<int64_t> &dims);

/// The constant's values as int64 (rounding float values that are integral), or nullopt.
std::optional<std::vector<int64_t>> integerValues(const Constant &constant);

} // namespace cnnc::onnximport
