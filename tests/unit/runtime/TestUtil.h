// Helpers shared by the runtime tests: a per-test temporary directory, raw file
// contents, hand-built safetensors and .npy bytes, and Debian's Python for interop.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <iterator>
#include <string>
#include <vector>

namespace cnnc::rt::test {

/// A fresh directory under $TMPDIR (or /tmp), removed with everything in it.
class TempDir {
public:
  TempDir() {
    const char *base = std::getenv("TMPDIR");
    std::string pattern = std::string(base && *base ? base : "/tmp") + "/cnnc-rt-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr)
      ADD_FAILURE() << "mkdtemp failed for " << pattern;
    path_ = pattern;
  }
  TempDir(const TempDir &) = delete;
  TempDir &operator=(const TempDir &) = delete;
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }

  const std::string &path() const { return path_; }
  std::string file(const std::string &name) const { return path_ + "/" + name; }

  /// Names of the entries in the directory, sorted.
  std::vector<std::string> entries() const {
    std::vector<std::string> names;
    for (const auto &entry : std::filesystem::directory_iterator(path_))
      names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }

private:
  std::string path_;
};

inline void writeBytes(const std::string &path, const std::string &bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out.good()) << "cannot write " << path;
}

inline std::string readBytes(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline std::string littleEndian(uint64_t value, int bytes) {
  std::string text;
  for (int i = 0; i < bytes; ++i)
    text += static_cast<char>((value >> (8 * i)) & 0xff);
  return text;
}

/// A safetensors file: the length of `header`, `header`, then `dataBytes` of data
/// (the byte pattern 0, 1, 2, ...).
inline std::string safetensorsBytes(const std::string &header, size_t dataBytes) {
  std::string data;
  for (size_t i = 0; i < dataBytes; ++i)
    data += static_cast<char>(i & 0xff);
  return littleEndian(header.size(), 8) + header + data;
}

/// A .npy file of format version `major`.0 with header dict `dict` (padded as numpy
/// does) followed by `data`.
inline std::string npyBytes(const std::string &dict, const std::string &data, int major = 1) {
  size_t preamble = major == 1 ? 10 : 12;
  std::string header = dict;
  header.append((64 - (preamble + dict.size() + 1) % 64) % 64, ' ');
  header += '\n';
  std::string bytes = std::string("\x93NUMPY", 6) + static_cast<char>(major) + '\0';
  return bytes + littleEndian(header.size(), major == 1 ? 2 : 4) + header + data;
}

inline std::string floatBytes(const std::vector<float> &values) {
  return std::string(reinterpret_cast<const char *>(values.data()), values.size() * sizeof(float));
}

/// Debian's interpreter, which has numpy (the `python3` on PATH may not).
constexpr const char *kPython = "/usr/bin/python3";

inline bool havePythonWithNumpy() {
  std::string command = std::string(kPython) + " -c 'import numpy' >/dev/null 2>&1";
  return std::system(command.c_str()) == 0;
}

/// Runs `script` with /usr/bin/python3 and `args`; true if it exits 0.
inline bool runPython(const TempDir &dir, const std::string &script, const std::string &args) {
  std::string scriptPath = dir.file("script.py");
  writeBytes(scriptPath, script);
  std::string command = std::string(kPython) + " " + scriptPath + " " + args;
  return std::system(command.c_str()) == 0;
}

} // namespace cnnc::rt::test
