// Number formatting for the command line's tables.
#include "compiler/cli/Format.h"

#include <cstdio>

namespace cnnc::cli {

std::string withThousands(int64_t value) {
  std::string digits = std::to_string(value < 0 ? -value : value);
  std::string text;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i != 0 && (digits.size() - i) % 3 == 0)
      text += ',';
    text += digits[i];
  }
  return value < 0 ? "-" + text : text;
}

std::string withUnit(double value) {
  const char *units[] = {"", "K", "M", "G", "T", "P"};
  size_t unit = 0;
  while (value >= 1000.0 && unit + 1 < sizeof units / sizeof units[0]) {
    value /= 1000.0;
    ++unit;
  }
  char text[32];
  std::snprintf(text, sizeof text, unit == 0 ? "%.0f%s" : value < 10 ? "%.2f%s" : "%.1f%s", value,
                units[unit]);
  return text;
}

std::string padRight(std::string text, size_t width) {
  if (text.size() < width)
    text.resize(width, ' ');
  return text;
}

std::string padLeft(std::string text, size_t width) {
  if (text.size() < width)
    text.insert(0, width - text.size(), ' ');
  return text;
}

} // namespace cnnc::cli
