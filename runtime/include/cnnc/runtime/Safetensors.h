// Reading and writing safetensors files (https://github.com/huggingface/safetensors):
// an 8-byte little-endian header length N, N bytes of JSON naming each tensor's dtype,
// shape and byte range, then the raw little-endian data.
#pragma once

#include "cnnc/runtime/Expected.h"
#include "cnnc/runtime/Tensor.h"

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace cnnc::rt {

/// One tensor of an open file, already validated: `bytes` equals the element count
/// times the size of `dtype`, and `data` points into the mapping (valid while the
/// SafetensorsFile lives, not necessarily aligned).
struct TensorInfo {
  std::string dtype; // as in the file: "F32", "F16", "I64", ...
  std::vector<int64_t> shape;
  const uint8_t *data = nullptr;
  size_t bytes = 0;
};

/// A memory-mapped, fully validated safetensors file. Movable, not copyable; the
/// mapping is released with the object. As with any mapping, truncating the file while
/// it is open makes later reads of its data fault (SIGBUS).
class SafetensorsFile {
public:
  /// Maps and validates `path`. Every failure (unreadable, truncated, corrupt header,
  /// inconsistent tensor entry, overlapping data) is an Error naming the file and,
  /// where one is concerned, the tensor.
  static Expected<SafetensorsFile> open(const std::string &path);

  SafetensorsFile(SafetensorsFile &&) noexcept = default;
  SafetensorsFile &operator=(SafetensorsFile &&) noexcept = default;
  SafetensorsFile(const SafetensorsFile &) = delete;
  SafetensorsFile &operator=(const SafetensorsFile &) = delete;
  ~SafetensorsFile() = default;

  /// The path as given to open(); every message starts with it.
  const std::string &path() const { return path_; }

  /// Tensor names, sorted ("__metadata__" is not a tensor and is not listed).
  std::vector<std::string> names() const;

  /// The tensor called `name`, or nullptr.
  const TensorInfo *find(const std::string &name) const;

  /// Copies tensor `name` out as f32; an error if it is absent or not F32.
  Expected<Tensor> readF32(const std::string &name) const;

private:
  struct Unmapper {
    size_t size = 0;
    void operator()(const uint8_t *base) const;
  };
  using Mapping = std::unique_ptr<const uint8_t, Unmapper>;

  SafetensorsFile(std::string path, Mapping mapping, std::map<std::string, TensorInfo> tensors)
      : path_(std::move(path)), mapping_(std::move(mapping)), tensors_(std::move(tensors)) {}

  std::string path_;
  Mapping mapping_;
  std::map<std::string, TensorInfo> tensors_; // TensorInfo::data points into mapping_
};

/// Writes `tensors` as F32 to `path`, keys sorted and the header padded with spaces to
/// a multiple of 8 bytes, as the Python library does. Names must be unique and not
/// "__metadata__"; each tensor's data must match its shape. The write is atomic: on
/// failure no file at `path` is created or changed. The tensors are not owned.
Status writeSafetensors(const std::string &path,
                        const std::vector<std::pair<std::string, const Tensor *>> &tensors);

} // namespace cnnc::rt
