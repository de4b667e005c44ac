// Reading and writing NumPy .npy files (format versions 1.0 to 3.0) holding one
// C-ordered little-endian float32 array, for single inputs and outputs.
#pragma once

#include "cnnc/runtime/Expected.h"
#include "cnnc/runtime/Tensor.h"

#include <string>

namespace cnnc::rt {

/// Reads `path`. Only dtype '<f4' and fortran_order False are accepted; any other
/// dtype, a truncated or oversized data section, or a malformed header is an Error
/// naming the file. A 0-d array (shape `()`) becomes a Tensor with an empty shape.
Expected<Tensor> readNpy(const std::string &path);

/// Writes `tensor` to `path` as a version 1.0 file (2.0 if the header needs it),
/// dtype '<f4', exactly as `numpy.save` would. Atomic: on failure no file at `path`
/// is created or changed.
Status writeNpy(const std::string &path, const Tensor &tensor);

} // namespace cnnc::rt
