// Runs another program to completion, its standard output and error into files: how
// `cnnc bench --baseline` times a library in its own process, so that the library's
// threads (oneDNN's and PyTorch's OpenMP pools) never run beside Halide's.
#pragma once

#include "cnnc/runtime/Expected.h"

#include <map>
#include <string>
#include <vector>

namespace cnnc::bench {

struct SubprocessRequest {
  std::vector<std::string> argv;                  // argv[0] is the program's path
  std::map<std::string, std::string> environment; // set (overriding) in the child's
  std::string stdoutPath, stderrPath;             // created or truncated
};

/// Runs the program and waits for it. An Error when it cannot be started or does not
/// exit with status 0; the message ends with the last lines of its standard error.
rt::Status runSubprocess(const SubprocessRequest &request);

/// The directory of the running executable (from /proc/self/exe), without a trailing
/// slash; empty if unknown.
std::string executableDirectory();

} // namespace cnnc::bench
