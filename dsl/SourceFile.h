// The text of one .cnn file, with its name and a line index for diagnostics.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cnnc::dsl {

class SourceFile {
public:
  SourceFile(std::string name, std::string text);

  /// Reads a whole file. On failure returns nullopt and sets `error` to a message
  /// such as "cannot open 'x.cnn': No such file or directory". Files larger than
  /// kMaxSourceBytes are refused (a .cnn file is a few kilobytes; a huge one is a mistake).
  static std::optional<SourceFile> load(const std::string &path, std::string &error);

  static constexpr uint64_t kMaxSourceBytes = 16u << 20;

  const std::string &name() const { return name_; }
  const std::string &text() const { return text_; }
  /// The text of 1-based line `line`, without its newline; empty if out of range.
  std::string_view lineText(uint32_t line) const;
  uint32_t lineCount() const { return static_cast<uint32_t>(lineStarts_.size()); }

private:
  std::string name_;
  std::string text_;
  std::vector<size_t> lineStarts_;
};

} // namespace cnnc::dsl
