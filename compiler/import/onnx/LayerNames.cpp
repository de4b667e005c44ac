// Layer names from PyTorch module paths and ONNX node names.
#include "compiler/import/onnx/LayerNames.h"

#include <cctype>
#include <map>
#include <set>

namespace cnnc::onnximport {

namespace {

std::vector<std::string> split(std::string_view text, char separator) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(separator, start);
    if (end == std::string_view::npos)
      end = text.size();
    parts.emplace_back(text.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

std::string lower(std::string text) {
  for (char &c : text)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

/// The part of a layer's name that says what it does, for layers that share a module:
/// the operator part of the ONNX node name (`Add_1` -> `add_1`), else the .cnn op.
std::string operatorPart(const CnnLayer &layer, const std::optional<ScopeName> &scope) {
  std::string part = scope && !scope->opPart.empty() ? scope->opPart : layer.op;
  return lower(sanitizeIdentifier(part));
}

/// Where a layer's name starts: its module path (from its weights' names, else its
/// node's scope); empty when neither says.
std::string modulePathOf(const CnnLayer &layer, const std::optional<ScopeName> &scope) {
  if (!layer.modulePathHint.empty())
    return layer.modulePathHint;
  return scope ? scope->modulePath : "";
}

bool isContainer(const std::string &path, const std::set<std::string> &allPaths) {
  auto it = allPaths.upper_bound(path);
  return it != allPaths.end() && it->compare(0, path.size() + 1, path + ".") == 0;
}

std::string baseName(const CnnLayer &layer, const std::optional<ScopeName> &scope,
                     const std::map<std::string, int> &layersPerPath,
                     const std::set<std::string> &allPaths) {
  std::string path = modulePathOf(layer, scope);
  if (!path.empty() && layersPerPath.at(path) == 1 && !isContainer(path, allPaths))
    return sanitizeIdentifier(path);
  if (!path.empty())
    return sanitizeIdentifier(path + "_" + operatorPart(layer, scope));
  if (!scope && !layer.onnxNode.empty()) {
    std::string name = sanitizeIdentifier(layer.onnxNode);
    if (!name.empty())
      return name;
  }
  return operatorPart(layer, scope);
}

std::string uniqueName(const std::string &wanted, std::set<std::string> &taken) {
  std::string name = wanted.empty() ? "layer" : wanted;
  for (int n = 2; taken.count(name); ++n)
    name = wanted + "_" + std::to_string(n);
  taken.insert(name);
  return name;
}

} // namespace

std::string sanitizeIdentifier(std::string_view raw) {
  std::string out;
  for (char c : raw) {
    bool word = std::isalnum(static_cast<unsigned char>(c)) && static_cast<unsigned char>(c) < 128;
    if (word)
      out += c;
    else if (!out.empty() && out.back() != '_')
      out += '_';
  }
  while (!out.empty() && out.back() == '_')
    out.pop_back();
  if (!out.empty() && std::isdigit(static_cast<unsigned char>(out[0])))
    out = "n" + out;
  return out;
}

std::optional<ScopeName> parseScopeName(std::string_view nodeName) {
  if (nodeName.size() < 2 || nodeName[0] != '/')
    return std::nullopt;
  std::vector<std::string> parts = split(nodeName.substr(1), '/');
  ScopeName scope;
  scope.opPart = parts.back();
  parts.pop_back();
  std::vector<std::string> modules;
  for (const std::string &part : parts) {
    if (part.empty())
      continue;
    if (!modules.empty() && part.compare(0, modules.back().size() + 1, modules.back() + ".") == 0)
      modules.back() = part;
    else
      modules.push_back(part);
  }
  for (size_t i = 0; i < modules.size(); ++i)
    scope.modulePath += (i ? "." : "") + modules[i];
  return scope;
}

void assignLayerNames(CnnProgram &program) {
  std::vector<std::optional<ScopeName>> scopes;
  std::map<std::string, int> layersPerPath;
  std::set<std::string> allPaths;
  for (const CnnLayer &layer : program.layers) {
    scopes.push_back(parseScopeName(layer.onnxNode));
    std::string path = modulePathOf(layer, scopes.back());
    if (layer.role.empty() && !path.empty()) {
      ++layersPerPath[path];
      allPaths.insert(path);
    }
  }
  std::set<std::string> taken;
  for (const CnnInput &input : program.inputs)
    taken.insert(input.name);
  // Main layers first, so that a helper layer (role) is named after its final name.
  std::map<std::string, std::string> nameOfNode;
  for (size_t i = 0; i < program.layers.size(); ++i) {
    CnnLayer &layer = program.layers[i];
    if (!layer.role.empty())
      continue;
    layer.name = uniqueName(baseName(layer, scopes[i], layersPerPath, allPaths), taken);
    nameOfNode.emplace(layer.onnxNode, layer.name);
  }
  for (CnnLayer &layer : program.layers) {
    if (layer.role.empty())
      continue;
    auto main = nameOfNode.find(layer.onnxNode);
    std::string base = main != nameOfNode.end() ? main->second : sanitizeIdentifier(layer.onnxNode);
    layer.name = uniqueName(base.empty() ? layer.role : base + "_" + layer.role, taken);
  }
}

} // namespace cnnc::onnximport
