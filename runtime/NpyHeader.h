// The header of a .npy file: a Python dict literal such as
// {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
// It is Python, not JSON, hence this small parser of its own.
#pragma once

#include "cnnc/runtime/Expected.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cnnc::rt {

/// The three keys numpy writes; a header must have each exactly once.
struct NpyHeader {
  std::string descr;         // '<f4'
  bool fortranOrder = false; // column-major data
  std::vector<int64_t> shape;
};

/// Parses the dict literal `text` (trailing spaces and newline allowed). Errors are
/// bare messages ("expected ':' at character 8"); the caller adds the file name.
Expected<NpyHeader> parseNpyHeader(std::string_view text);

/// The dict literal numpy writes for a C-ordered '<f4' array of `shape`, unpadded.
std::string formatNpyHeader(const std::vector<int64_t> &shape);

} // namespace cnnc::rt
