// Command-line parsing for cnnc's subcommands.
#include "compiler/cli/Options.h"

namespace cnnc::cli {

std::optional<std::string> ParsedOptions::get(const std::string &name) const {
  auto it = values.find(name);
  if (it == values.end())
    return std::nullopt;
  return it->second;
}

namespace {
const OptionSpec *findSpec(const std::vector<OptionSpec> &specs, const std::string &word) {
  for (const OptionSpec &spec : specs)
    if (spec.name == word || (!spec.alias.empty() && spec.alias == word))
      return &spec;
  return nullptr;
}
} // namespace

std::optional<ParsedOptions> parseOptions(const std::vector<std::string> &args,
                                          const std::vector<OptionSpec> &specs,
                                          std::string &error) {
  ParsedOptions parsed;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string &word = args[i];
    if (word == "--help" || word == "-h") {
      parsed.help = true;
      continue;
    }
    if (word.size() < 2 || word[0] != '-') {
      parsed.positional.push_back(word);
      continue;
    }
    size_t equals = word.find('=');
    std::string key = word.substr(0, equals);
    const OptionSpec *spec = findSpec(specs, key);
    if (!spec) {
      error = "unknown option '" + key + "'";
      return std::nullopt;
    }
    if (!spec->takesValue) {
      if (equals != std::string::npos) {
        error = "option '" + spec->name + "' takes no value";
        return std::nullopt;
      }
      parsed.values[spec->name] = "1";
      continue;
    }
    if (equals != std::string::npos) {
      parsed.values[spec->name] = word.substr(equals + 1);
      continue;
    }
    if (i + 1 >= args.size()) {
      error = "option '" + spec->name + "' needs a value";
      return std::nullopt;
    }
    parsed.values[spec->name] = args[++i];
  }
  return parsed;
}

std::string formatOptionHelp(const std::vector<OptionSpec> &specs) {
  std::string text;
  for (const OptionSpec &spec : specs) {
    std::string left = "  " + (spec.alias.empty() ? "" : spec.alias + ", ") + spec.name;
    if (spec.takesValue)
      left += " " + spec.valueName;
    if (left.size() < 30)
      left.resize(30, ' ');
    else
      left += "  ";
    text += left + spec.help + "\n";
  }
  return text + "  -h, --help                  show this help\n";
}

} // namespace cnnc::cli
