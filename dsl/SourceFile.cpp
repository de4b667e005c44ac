// Loads .cnn files and indexes their lines, so diagnostics can echo the offending line.
#include "dsl/SourceFile.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <utility>

namespace cnnc::dsl {

SourceFile::SourceFile(std::string name, std::string text)
    : name_(std::move(name)), text_(std::move(text)) {
  lineStarts_.push_back(0);
  // find() is memchr: indexing a 16 MB file takes milliseconds.
  for (size_t newline = text_.find('\n'); newline != std::string::npos;
       newline = text_.find('\n', newline + 1)) {
    if (newline + 1 == text_.size())
      break; // a final newline ends the last line; it does not start a new one
    lineStarts_.push_back(newline + 1);
  }
}

std::string_view SourceFile::lineText(uint32_t line) const {
  if (line == 0 || line > lineCount())
    return {};
  size_t begin = lineStarts_[line - 1];
  size_t end = line < lineCount() ? lineStarts_[line] - 1 : text_.size();
  if (line == lineCount() && end > begin && text_[end - 1] == '\n')
    --end;
  // "\r\n" is one newline; the '\r' is not part of the line.
  if (end > begin && text_[end - 1] == '\r' && end < text_.size() && text_[end] == '\n')
    --end;
  return std::string_view(text_).substr(begin, end - begin);
}

namespace {

struct FileCloser {
  void operator()(std::FILE *f) const { std::fclose(f); }
};

} // namespace

std::optional<SourceFile> SourceFile::load(const std::string &path, std::string &error) {
  std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "rb"));
  if (!file) {
    error = "cannot open '" + path + "': " + std::strerror(errno);
    return std::nullopt;
  }
  std::string text;
  char buffer[1 << 16];
  for (;;) {
    size_t got = std::fread(buffer, 1, sizeof buffer, file.get());
    text.append(buffer, got);
    if (text.size() > kMaxSourceBytes) {
      error = "cannot read '" + path + "': file is larger than " +
              std::to_string(kMaxSourceBytes >> 20) + " MiB";
      return std::nullopt;
    }
    if (got == sizeof buffer)
      continue;
    if (std::ferror(file.get())) {
      // fopen succeeds on a directory on Linux; the read reports EISDIR.
      error = "cannot read '" + path + "': " + std::strerror(errno);
      return std::nullopt;
    }
    break;
  }
  return SourceFile(path, std::move(text));
}

} // namespace cnnc::dsl
