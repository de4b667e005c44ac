// The subcommands of the `cnnc` tool. Each takes the words after its name and returns
// the process exit code: 0 success, 1 user error, 2 usage error (SPEC section 3).
#pragma once

#include <string>
#include <vector>

namespace cnnc::cli {

int runCheckCommand(const std::vector<std::string> &args);
int runRunCommand(const std::vector<std::string> &args);
int runBenchCommand(const std::vector<std::string> &args);
int runCompileCommand(const std::vector<std::string> &args);
int runRuntimeCommand(const std::vector<std::string> &args);
int runImportCommand(const std::vector<std::string> &args);
int runExplainCommand(const std::vector<std::string> &args);

/// Exit codes.
constexpr int kExitSuccess = 0;
constexpr int kExitUserError = 1;
constexpr int kExitUsage = 2;

/// Prints "cnnc SUB: MESSAGE" and the usage line to stderr; returns kExitUsage.
int usageError(const std::string &command, const std::string &message, const std::string &usage);
/// Prints "cnnc: error: MESSAGE" to stderr; returns kExitUserError.
int userError(const std::string &message);

} // namespace cnnc::cli
