// A place in a .cnn source file: what every AST node, graph node and diagnostic carries.
#pragma once

#include <cstdint>

namespace cnnc::dsl {

/// 1-based line and column (columns count bytes), and the length in bytes of the
/// token or construct it names, for the `^~~~` underline. A default-constructed
/// location is "nowhere" (diagnostics about the file as a whole).
struct SourceLocation {
  uint32_t line = 0;
  uint32_t column = 0;
  uint32_t length = 1;

  bool isValid() const { return line != 0; }
};

} // namespace cnnc::dsl
