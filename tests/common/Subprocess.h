// Running the cnnc tool from tests: a child process with its output in files.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace cnnc::testsupport {

struct ProcessResult {
  int exitCode = -1; // 128 + signal when killed
  std::string error; // set when the process could not be started
};

/// Runs args[0] (no shell, so no quoting issues) with stdout and stderr redirected to
/// the given files, and waits for it.
ProcessResult runProcess(const std::vector<std::string> &args,
                         const std::filesystem::path &stdoutPath,
                         const std::filesystem::path &stderrPath);

/// The whole file, or "" when it cannot be read.
std::string readFile(const std::filesystem::path &path);

} // namespace cnnc::testsupport
