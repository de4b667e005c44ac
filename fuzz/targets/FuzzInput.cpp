#include "FuzzInput.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <unistd.h>

namespace cnnc::fuzz {

namespace {

/// Removes the scratch files at exit, so that neither fuzzing nor the replay tests
/// leave files in the temporary directory.
struct ScratchFiles {
  std::map<std::string, std::string> byExtension;
  ~ScratchFiles() {
    for (const auto &entry : byExtension)
      std::remove(entry.second.c_str());
  }
};

ScratchFiles &scratchFiles() {
  static ScratchFiles files;
  return files;
}

std::string scratchPath(const std::string &extension) {
  std::string &path = scratchFiles().byExtension[extension];
  if (path.empty()) {
    const char *dir = std::getenv("TMPDIR");
    path = std::string(dir && *dir ? dir : "/tmp") + "/cnnc-fuzz-" + std::to_string(getpid()) +
           extension;
  }
  return path;
}

} // namespace

void fail(const std::string &what) {
  std::fprintf(stderr, "cnnc fuzz: property violated: %s\n", what.c_str());
  std::abort();
}

std::string writeScratchFile(const uint8_t *data, size_t size, const std::string &extension) {
  std::string path = scratchPath(extension);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char *>(data), static_cast<std::streamsize>(size));
  if (!out.flush())
    fail("cannot write the scratch file " + path);
  return path;
}

} // namespace cnnc::fuzz
