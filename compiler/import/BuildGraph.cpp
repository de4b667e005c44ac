// AST -> checked graph. Order of work: collect definitions (duplicates), resolve each
// layer (operator, arguments, attributes, tensor names), break cycles, sort, infer
// shapes, resolve outputs, then report unused inputs and dead layers. A node that
// fails any step is marked invalid, and everything downstream of it stays silent.
#include "compiler/import/BuildGraph.h"

#include "compiler/import/Suggest.h"
#include "compiler/ir/AttrReader.h"
#include "compiler/ir/OpDef.h"
#include "compiler/ir/OpRegistry.h"
#include "dsl/Limits.h"

#include <map>
#include <algorithm>

namespace cnnc::import {

using namespace ir;
using dsl::DiagnosticEngine;
using dsl::Module;
using dsl::SourceLocation;
using dsl::Value;

namespace {

/// Why a tensor of `shape` is too large to be a tensor, or "" when it fits
/// (dsl::kMaxTensorElements: Halide's 32-bit buffer indexing).
std::string tensorSizeProblem(const Shape &shape) {
  std::optional<int64_t> count = elementCount(shape);
  if (count && *count <= dsl::kMaxTensorElements)
    return "";
  std::string elements = count ? std::to_string(*count) : "more than 2^63";
  return "has " + elements + " elements; a tensor has at most " +
         std::to_string(dsl::kMaxTensorElements) + " (2^31-1)";
}

/// A definition (input or layer) in source order, before topological sorting.
struct ProtoNode {
  const dsl::InputDecl *input = nullptr;
  const dsl::LayerStmt *layer = nullptr;
  Node node;
  bool used = false;
};

/// The arguments of one layer, split as the operator expects them.
struct LayerArguments {
  std::vector<const Value *> tensors;
  std::map<std::string, const Value *> attrs;
  bool ok = true;
};

class GraphBuilder {
public:
  GraphBuilder(const Module &module, DiagnosticEngine &diags)
      : module_(module), diags_(diags), hadSyntaxErrors_(diags.hasErrors()) {}

  std::optional<Graph> build();

private:
  bool collectDefinitions();
  void checkInput(ProtoNode &proto);
  void resolveLayer(ProtoNode &proto);
  LayerArguments splitArguments(const dsl::LayerStmt &layer, const OpDef &op);
  bool classifyPositional(const OpDef &op, const Value &value, size_t position,
                          LayerArguments &args);
  void resolveTensor(ProtoNode &proto, const Value &value);
  void markUses(const dsl::LayerStmt &layer);
  void breakCycles();
  bool reaches(size_t from, size_t to, std::vector<size_t> &path) const;
  std::vector<size_t> topologicalOrder() const;
  void inferShapes(const std::vector<size_t> &order);
  bool tensorsFit(const Node &node, const Shape &shape, const std::vector<Shape> &inputs);
  std::vector<size_t> resolveOutputs();
  void checkUsage(const std::vector<size_t> &outputs);
  std::string undefinedNameSuggestion(const std::string &name);
  Graph assemble(const std::vector<size_t> &order, const std::vector<size_t> &outputs);

  const Module &module_;
  DiagnosticEngine &diags_;
  const bool hadSyntaxErrors_;
  std::vector<ProtoNode> protos_;
  std::map<std::string, size_t> byName_;
  std::vector<std::string> definedNames_; // byName_'s keys, once a suggestion needs them
  size_t suggestionsMade_ = 0;
};

/// " (did you mean 'conv'?)" or "". Each lookup compares with every defined name, so
/// only the first kMaxNameSuggestions undefined names get one: a file of thousands of
/// undefined names (10000 layers, each misspelt) would otherwise take seconds.
std::string GraphBuilder::undefinedNameSuggestion(const std::string &name) {
  constexpr size_t kMaxNameSuggestions = 100;
  if (suggestionsMade_ >= kMaxNameSuggestions)
    return "";
  ++suggestionsMade_;
  if (definedNames_.empty())
    for (const auto &entry : byName_)
      definedNames_.push_back(entry.first);
  return suggestion(name, definedNames_);
}

/// False, after reporting it, when the network has more definitions than the limit:
/// nothing else is checked then (the rest would cascade from the missing names).
bool GraphBuilder::collectDefinitions() {
  for (const Module::StmtRef &ref : module_.order) {
    ProtoNode proto;
    if (ref.kind == Module::StmtKind::Input) {
      proto.input = &module_.inputs[ref.index];
      proto.node.name = proto.input->name;
      proto.node.nameLoc = proto.input->nameLoc;
    } else if (ref.kind == Module::StmtKind::Layer) {
      proto.layer = &module_.layers[ref.index];
      proto.node.name = proto.layer->name;
      proto.node.nameLoc = proto.layer->nameLoc;
      proto.node.opLoc = proto.layer->opLoc;
    } else {
      continue;
    }
    if (protos_.size() == dsl::kMaxDefinitions) {
      diags_.error(proto.node.nameLoc, "too many inputs and layers: a network has at most " +
                                           std::to_string(dsl::kMaxDefinitions));
      return false;
    }
    auto [it, inserted] = byName_.emplace(proto.node.name, protos_.size());
    if (!inserted) {
      diags_.error(proto.node.nameLoc, "redefinition of '" + proto.node.name + "'");
      diags_.note(protos_[it->second].node.nameLoc, "previous definition is here");
      continue; // the first definition stands; uses resolve to it
    }
    protos_.push_back(std::move(proto));
  }
  return true;
}

/// input NAME: f32[N, C, H, W] or f32[N, F]
void GraphBuilder::checkInput(ProtoNode &proto) {
  const dsl::InputDecl &decl = *proto.input;
  if (decl.elementType != "f32") {
    diags_.error(decl.elementTypeLoc,
                 "unsupported element type '" + decl.elementType + "' (tensors are f32)");
    proto.node.valid = false;
  }
  if (decl.dims.size() != 4 && decl.dims.size() != 2) {
    diags_.error(decl.shapeLoc, "input shape must be [N, C, H, W] or [N, F], found " +
                                    std::to_string(decl.dims.size()) + " dimensions");
    proto.node.valid = false;
    return;
  }
  for (size_t i = 0; i < decl.dims.size(); ++i) {
    if (decl.dims[i] >= 1)
      continue;
    diags_.error(decl.dimLocs[i],
                 "dimension must be at least 1, found " + std::to_string(decl.dims[i]));
    proto.node.valid = false;
  }
  proto.node.shape = decl.dims;
  std::string tooLarge = proto.node.valid ? tensorSizeProblem(decl.dims) : "";
  if (!tooLarge.empty()) {
    diags_.error(decl.shapeLoc, "input shape " + formatShape(decl.dims) + " " + tooLarge);
    proto.node.valid = false;
  }
}

bool GraphBuilder::classifyPositional(const OpDef &op, const Value &value, size_t position,
                                      LayerArguments &args) {
  const bool tensorSlot = op.maxTensors < 0 || position < static_cast<size_t>(op.maxTensors);
  size_t attrSlot = tensorSlot ? 0 : position - static_cast<size_t>(op.maxTensors);
  std::vector<const AttrSpec *> positionalAttrs;
  for (const AttrSpec &spec : op.attrs)
    if (spec.positional)
      positionalAttrs.push_back(&spec);
  if (!tensorSlot && attrSlot < positionalAttrs.size()) {
    args.attrs[positionalAttrs[attrSlot]->name] = &value;
    return true;
  }
  if (!tensorSlot && !positionalAttrs.empty()) {
    diags_.error(value.loc, op.name + " takes at most " +
                                std::to_string(op.maxTensors + positionalAttrs.size()) +
                                " positional arguments");
    return false;
  }
  if (value.kind != Value::Kind::Identifier) {
    diags_.error(value.loc, "expected a tensor name as argument " + std::to_string(position + 1) +
                                " of " + op.name + ", found " + describeValue(value) +
                                " (attributes are passed as key=value)");
    return false;
  }
  args.tensors.push_back(&value);
  return true;
}

LayerArguments GraphBuilder::splitArguments(const dsl::LayerStmt &layer, const OpDef &op) {
  LayerArguments args;
  std::vector<std::string> known;
  for (const AttrSpec &spec : op.attrs)
    known.push_back(spec.name);
  size_t position = 0;
  bool sawKeyword = false;
  for (const dsl::Argument &arg : layer.args) {
    if (!arg.key) {
      if (sawKeyword) {
        diags_.error(arg.value.loc, "positional argument follows keyword arguments");
        args.ok = false;
        continue;
      }
      args.ok &= classifyPositional(op, arg.value, position++, args);
      continue;
    }
    sawKeyword = true;
    const std::string &key = *arg.key;
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      diags_.error(arg.keyLoc,
                   "unknown attribute '" + key + "' for " + op.name + suggestion(key, known));
      args.ok = false;
    } else if (!args.attrs.emplace(key, &arg.value).second) {
      diags_.error(arg.keyLoc, "duplicate attribute '" + key + "'");
      args.ok = false;
    }
  }
  return args;
}

void GraphBuilder::resolveTensor(ProtoNode &proto, const Value &value) {
  auto it = byName_.find(value.identifier);
  if (it == byName_.end()) {
    // After a syntax error the name may belong to the line that failed: stay silent.
    if (!hadSyntaxErrors_)
      diags_.error(value.loc, "undefined tensor '" + value.identifier + "'" +
                                  undefinedNameSuggestion(value.identifier));
    proto.node.valid = false;
    return;
  }
  protos_[it->second].used = true;
  proto.node.operands.push_back(it->second);
  proto.node.operandLocs.push_back(value.loc);
}

/// Marks the tensors a broken layer names as used, so it causes no unused-input error.
void GraphBuilder::markUses(const dsl::LayerStmt &layer) {
  for (const dsl::Argument &arg : layer.args) {
    auto it = arg.key ? byName_.end() : byName_.find(arg.value.identifier);
    if (it != byName_.end() && arg.value.kind == Value::Kind::Identifier)
      protos_[it->second].used = true;
  }
}

void GraphBuilder::resolveLayer(ProtoNode &proto) {
  const dsl::LayerStmt &layer = *proto.layer;
  Node &node = proto.node;
  if (layer.malformed) {
    node.valid = false;
    markUses(layer);
    return;
  }
  const OpRegistry &registry = OpRegistry::builtin();
  node.op = registry.find(layer.op);
  if (!node.op) {
    std::vector<std::string> names;
    for (const OpDef &op : registry.all())
      names.push_back(op.name);
    diags_.error(layer.opLoc, "unknown operator '" + layer.op + "'" + suggestion(layer.op, names));
    node.valid = false;
    markUses(layer);
    return;
  }
  const OpDef &op = *node.op;
  LayerArguments args = splitArguments(layer, op);
  for (const Value *tensor : args.tensors)
    resolveTensor(proto, *tensor);
  const size_t count = args.tensors.size();
  if (args.ok && (count < static_cast<size_t>(op.minTensors) ||
                  (op.maxTensors >= 0 && count > static_cast<size_t>(op.maxTensors)))) {
    std::string expected = op.maxTensors < 0 ? "at least " + std::to_string(op.minTensors)
                                             : std::to_string(op.minTensors);
    const bool singular = op.minTensors == 1 && op.maxTensors != 0 &&
                          (op.maxTensors == 1 || op.maxTensors < 0);
    diags_.error(layer.opLoc, op.name + " expects " + expected +
                                  (singular ? " tensor" : " tensors") + ", found " +
                                  std::to_string(count));
    args.ok = false;
  }
  for (const auto &[key, value] : args.attrs)
    node.attrValueLocs[key] = value->loc;
  AttrReader reader(op.name, layer.opLoc, args.attrs, diags_);
  std::optional<Attrs> attrs = args.ok ? op.buildAttrs(reader) : std::nullopt;
  if (!attrs) {
    node.valid = false;
    return;
  }
  node.attrs = *attrs;
}

bool GraphBuilder::reaches(size_t from, size_t to, std::vector<size_t> &path) const {
  path.push_back(from);
  if (from == to)
    return true;
  std::vector<bool> seen(protos_.size());
  // Depth-first search over operands, iterative so a long chain cannot overflow the stack.
  std::vector<std::pair<size_t, size_t>> stack = {{from, 0}};
  seen[from] = true;
  while (!stack.empty()) {
    auto &[current, next] = stack.back();
    const std::vector<NodeId> &operands = protos_[current].node.operands;
    if (next == operands.size()) {
      stack.pop_back();
      path.pop_back();
      continue;
    }
    size_t operand = operands[next++];
    if (seen[operand])
      continue;
    seen[operand] = true;
    path.push_back(operand);
    if (operand == to)
      return true;
    stack.push_back({operand, 0});
  }
  return false;
}

/// A cycle needs a use of a name defined at or after the using statement; report it at
/// that use and drop the edge, so the rest of the graph can still be checked.
void GraphBuilder::breakCycles() {
  for (size_t i = 0; i < protos_.size(); ++i) {
    Node &node = protos_[i].node;
    for (size_t k = 0; k < node.operands.size(); ++k) {
      std::vector<size_t> path;
      if (node.operands[k] < i || !reaches(node.operands[k], i, path))
        continue;
      std::string cycle = node.name;
      for (size_t id : path)
        cycle += " -> " + protos_[id].node.name;
      diags_.error(node.operandLocs[k], "'" + protos_[node.operands[k]].node.name +
                                            "' is used before its definition and forms a cycle: " +
                                            cycle);
      node.valid = false;
      node.operands.erase(node.operands.begin() + static_cast<long>(k));
      node.operandLocs.erase(node.operandLocs.begin() + static_cast<long>(k));
      --k;
    }
  }
}

std::vector<size_t> GraphBuilder::topologicalOrder() const {
  // Post-order DFS in source order: a file written in order keeps its order.
  std::vector<size_t> order;
  std::vector<bool> placed(protos_.size());
  for (size_t root = 0; root < protos_.size(); ++root) {
    std::vector<std::pair<size_t, size_t>> stack = {{root, 0}};
    while (!stack.empty()) {
      auto &[current, next] = stack.back();
      if (placed[current]) {
        stack.pop_back();
        continue;
      }
      const std::vector<NodeId> &operands = protos_[current].node.operands;
      if (next < operands.size()) {
        size_t operand = operands[next++];
        if (!placed[operand])
          stack.push_back({operand, 0});
        continue;
      }
      placed[current] = true;
      order.push_back(current);
      stack.pop_back();
    }
  }
  return order;
}

void GraphBuilder::inferShapes(const std::vector<size_t> &order) {
  for (size_t id : order) {
    Node &node = protos_[id].node;
    if (node.isInput() || !node.valid)
      continue;
    std::vector<Shape> inputs;
    for (NodeId operand : node.operands) {
      node.valid &= protos_[operand].node.valid;
      inputs.push_back(protos_[operand].node.shape);
    }
    if (!node.valid)
      continue;
    std::optional<Shape> shape = node.op->inferShape({node, inputs, diags_});
    node.valid = shape && tensorsFit(node, *shape, inputs);
    if (node.valid)
      node.shape = *shape;
  }
}

/// Every tensor of a layer, its output and its weights, within the size limit.
bool GraphBuilder::tensorsFit(const Node &node, const Shape &shape,
                              const std::vector<Shape> &inputs) {
  if (std::string tooLarge = tensorSizeProblem(shape); !tooLarge.empty()) {
    diags_.error(node.opLoc,
                 "output shape " + formatShape(shape) + " of '" + node.name + "' " + tooLarge);
    return false;
  }
  if (!node.op->weights)
    return true;
  for (const WeightSpec &weight : node.op->weights(node, inputs))
    if (std::string tooLarge = tensorSizeProblem(weight.shape); !tooLarge.empty()) {
      diags_.error(node.opLoc, "weight '" + node.name + "." + weight.suffix + "' of shape " +
                                   formatShape(weight.shape) + " " + tooLarge);
      return false;
    }
  return true;
}

std::vector<size_t> GraphBuilder::resolveOutputs() {
  std::vector<size_t> outputs;
  for (const dsl::OutputStmt &stmt : module_.outputs) {
    for (size_t i = 0; i < stmt.names.size(); ++i) {
      auto it = byName_.find(stmt.names[i]);
      if (it == byName_.end()) {
        if (!hadSyntaxErrors_)
          diags_.error(stmt.nameLocs[i], "undefined tensor '" + stmt.names[i] + "'" +
                                             undefinedNameSuggestion(stmt.names[i]));
        continue;
      }
      protos_[it->second].used = true;
      if (std::find(outputs.begin(), outputs.end(), it->second) != outputs.end()) {
        diags_.error(stmt.nameLocs[i], "'" + stmt.names[i] + "' is already an output");
        continue;
      }
      outputs.push_back(it->second);
    }
  }
  if (module_.outputs.empty() && !hadSyntaxErrors_) {
    SourceLocation where = module_.networks.empty() ? SourceLocation{1, 1, 1}
                                                    : module_.networks[0].nameLoc;
    diags_.error(where, "the network has no output (add 'output NAME')");
  }
  return outputs;
}

void GraphBuilder::checkUsage(const std::vector<size_t> &outputs) {
  // After a syntax error a use may have been lost with its line: stay silent then.
  if (hadSyntaxErrors_)
    return;
  for (ProtoNode &proto : protos_)
    if (proto.input && !proto.used)
      diags_.error(proto.node.nameLoc, "input '" + proto.node.name + "' is never used");
  if (diags_.hasErrors())
    return;
  std::vector<bool> live(protos_.size());
  std::vector<size_t> work = outputs;
  while (!work.empty()) {
    size_t id = work.back();
    work.pop_back();
    if (live[id])
      continue;
    live[id] = true;
    for (NodeId operand : protos_[id].node.operands)
      work.push_back(operand);
  }
  for (size_t id = 0; id < protos_.size(); ++id)
    if (protos_[id].layer && !live[id])
      diags_.warning(protos_[id].node.nameLoc,
                     "layer '" + protos_[id].node.name + "' does not contribute to any output");
}

Graph GraphBuilder::assemble(const std::vector<size_t> &order, const std::vector<size_t> &outputs) {
  Graph graph;
  if (!module_.networks.empty()) {
    graph.name = module_.networks[0].name;
    graph.nameLoc = module_.networks[0].nameLoc;
  }
  std::vector<NodeId> newId(protos_.size());
  for (size_t i = 0; i < order.size(); ++i)
    newId[order[i]] = i;
  for (size_t id : order) {
    Node node = protos_[id].node;
    for (NodeId &operand : node.operands)
      operand = newId[operand];
    graph.nodes.push_back(std::move(node));
  }
  for (size_t id = 0; id < protos_.size(); ++id)
    if (protos_[id].input)
      graph.inputs.push_back(newId[id]);
  for (size_t id : outputs)
    graph.outputs.push_back(newId[id]);
  return graph;
}

std::optional<Graph> GraphBuilder::build() {
  if (!collectDefinitions())
    return std::nullopt;
  for (ProtoNode &proto : protos_) {
    if (proto.input)
      checkInput(proto);
    else
      resolveLayer(proto);
  }
  breakCycles();
  std::vector<size_t> order = topologicalOrder();
  inferShapes(order);
  std::vector<size_t> outputs = resolveOutputs();
  checkUsage(outputs);
  if (diags_.hasErrors())
    return std::nullopt;
  return assemble(order, outputs);
}

} // namespace

std::optional<Graph> buildGraph(const Module &module, DiagnosticEngine &diags) {
  return GraphBuilder(module, diags).build();
}

} // namespace cnnc::import
