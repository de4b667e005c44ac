// A small command-line parser for cnnc's subcommands: `--key value`, `--key=value`,
// short aliases, boolean flags and positional arguments. A mistake is a usage error
// (exit code 2), reported by the caller with the subcommand's usage line.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace cnnc::cli {

struct OptionSpec {
  std::string name;  // "--weights"
  std::string alias; // "-o" or ""
  bool takesValue = true;
  std::string help;
  std::string valueName = "VALUE";
};

struct ParsedOptions {
  std::map<std::string, std::string> values; // by OptionSpec::name; flags map to "1"
  std::vector<std::string> positional;
  bool help = false;

  bool has(const std::string &name) const { return values.count(name) != 0; }
  std::optional<std::string> get(const std::string &name) const;
};

/// Parses `args` (the words after the subcommand). On a mistake returns nullopt and
/// sets `error` ("unknown option '--x'", "option '--weights' needs a value").
std::optional<ParsedOptions> parseOptions(const std::vector<std::string> &args,
                                          const std::vector<OptionSpec> &specs, std::string &error);

/// The options table for --help.
std::string formatOptionHelp(const std::vector<OptionSpec> &specs);

} // namespace cnnc::cli
