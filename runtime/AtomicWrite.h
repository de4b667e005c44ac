// Whole-file writes that either complete or leave no trace (STYLE.md 2: no partial
// outputs), shared by the safetensors and npy writers.
#pragma once

#include "cnnc/runtime/Expected.h"

#include <cstddef>
#include <string>
#include <vector>

namespace cnnc::rt {

/// Bytes to write, not owned: lets a writer pass a header and each tensor's data in
/// place instead of first copying everything into one buffer.
struct ByteSpan {
  const void *data;
  size_t size;
};

/// Writes the concatenated `chunks` to `path` through a temporary `path.tmp-XXXXXX` in
/// the same directory, fsynced and then renamed over `path`. On failure the temporary
/// is removed and `path` is untouched. Errors name `path` and the system's reason.
Status writeFileAtomically(const std::string &path, const std::vector<ByteSpan> &chunks);

} // namespace cnnc::rt
