// The safetensors writer: F32 tensors in key order behind a space-padded JSON header,
// the layout the Python library produces, written atomically.
#include "AtomicWrite.h"
#include "ShapeMath.h"
#include "cnnc/runtime/Safetensors.h"

#include <algorithm>
#include <cassert>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

using namespace cnnc::rt;
using nlohmann::json;

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "the safetensors writer assumes a little-endian host");

namespace {

Error fileError(const std::string &path, const std::string &message) {
  return Error{path + ": " + message};
}

Error tensorError(const std::string &path, const std::string &name, const std::string &message) {
  return Error{path + ": tensor '" + name + "': " + message};
}

/// The writer's checks: a Tensor is a plain struct, so its data may not match its shape.
Status checkWritable(const std::string &path,
                     const std::vector<std::pair<std::string, const Tensor *>> &tensors) {
  std::set<std::string> seen;
  for (const auto &[name, tensor] : tensors) {
    assert(tensor && "writeSafetensors given a null tensor");
    if (name == "__metadata__")
      return fileError(path, "'__metadata__' is reserved and cannot name a tensor");
    if (!seen.insert(name).second)
      return tensorError(path, name, "given twice");
    std::optional<int64_t> count = checkedByteCount(tensor->shape, sizeof(float));
    if (!count)
      return tensorError(path, name,
                         "shape " + formatShape(tensor->shape) +
                             " has a negative dimension or too many elements");
    int64_t numel = *count / static_cast<int64_t>(sizeof(float));
    if (tensor->data.size() != static_cast<uint64_t>(numel))
      return tensorError(path, name,
                         "has " + std::to_string(tensor->data.size()) + " values but shape " +
                             formatShape(tensor->shape) + " needs " + std::to_string(numel));
  }
  return ok();
}

} // namespace

Status
cnnc::rt::writeSafetensors(const std::string &path,
                           const std::vector<std::pair<std::string, const Tensor *>> &tensors) {
  if (Status status = checkWritable(path, tensors); !status)
    return status;
  // Data is laid out in key order, like the Python library's output.
  std::vector<std::pair<std::string, const Tensor *>> sorted = tensors;
  std::sort(sorted.begin(), sorted.end(),
            [](const auto &a, const auto &b) { return a.first < b.first; });

  json header = json::object();
  uint64_t offset = 0;
  for (const auto &[name, tensor] : sorted) {
    uint64_t bytes = tensor->data.size() * sizeof(float);
    header[name] = {
        {"dtype", "F32"}, {"shape", tensor->shape}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  std::string text;
  try {
    text = header.dump();
  } catch (const json::type_error &) {
    // The only type error dump() raises: a string that is not UTF-8, which JSON forbids.
    return fileError(path, "tensor names must be valid UTF-8");
  }
  // Padding keeps the data section 8-byte aligned for readers that map it in place.
  text.append((8 - text.size() % 8) % 8, ' ');

  uint64_t headerBytes = text.size();
  std::vector<ByteSpan> chunks = {{&headerBytes, sizeof headerBytes}, {text.data(), text.size()}};
  for (const auto &entry : sorted)
    chunks.push_back({entry.second->data.data(), entry.second->data.size() * sizeof(float)});
  return writeFileAtomically(path, chunks);
}
