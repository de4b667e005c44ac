// Number formatting for the command line's tables.
#pragma once

#include <cstdint>
#include <string>

namespace cnnc::cli {

/// 1234567 -> "1,234,567"
std::string withThousands(int64_t value);
/// 173408256 -> "173.4M", 9.4e9 -> "9.42G"
std::string withUnit(double value);
/// Pads or keeps `text` to at least `width` columns (left-aligned).
std::string padRight(std::string text, size_t width);
/// Right-aligned in `width` columns.
std::string padLeft(std::string text, size_t width);

} // namespace cnnc::cli
