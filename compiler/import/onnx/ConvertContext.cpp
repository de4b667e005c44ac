// Value bookkeeping, attribute access and the incremental check of the program.
#include "compiler/import/onnx/ConvertContext.h"

#include "compiler/import/BuildGraph.h"
#include "compiler/import/onnx/CnnWriter.h"
#include "dsl/Parser.h"

namespace cnnc::onnximport {

ConvertContext::ConvertContext(const onnx::GraphProto &graph, int64_t opset,
                               dsl::DiagnosticEngine &diags)
    : graph_(graph), opset_(opset), diags_(diags) {
  for (const onnx::NodeProto &node : graph.node())
    for (const std::string &in : node.input())
      if (!in.empty())
        consumers_[in].push_back(&node);
  for (const onnx::ValueInfoProto &out : graph.output())
    graphOutputs_.insert(out.name());
}

bool ConvertContext::fail(const onnx::NodeProto &node, const std::string &message) {
  std::string name = node.name().empty() ? "(unnamed, output '" +
                                               (node.output_size() ? node.output(0) : "") + "')"
                                         : "'" + node.name() + "'";
  diags_.error({}, "node " + name + " (" + node.op_type() + "): " + message);
  return false;
}

void ConvertContext::error(const std::string &message) { diags_.error({}, message); }

bool ConvertContext::hasInput(const onnx::NodeProto &node, int i) {
  return i < node.input_size() && !node.input(i).empty();
}

const Value *ConvertContext::input(const onnx::NodeProto &node, int i) {
  if (!hasInput(node, i)) {
    fail(node, "input " + std::to_string(i) + " is missing");
    return nullptr;
  }
  const Value *value = find(node.input(i));
  if (!value)
    fail(node, "input '" + node.input(i) + "' is not defined before this node");
  return value;
}

std::optional<TensorRef> ConvertContext::tensorInput(const onnx::NodeProto &node, int i) {
  const Value *value = input(node, i);
  if (!value)
    return std::nullopt;
  if (value->kind != Value::Kind::Tensor) {
    fail(node, "input '" + node.input(i) +
                   "' is a constant; cnnc only converts this operator on computed tensors");
    return std::nullopt;
  }
  return value->tensor;
}

const Constant *ConvertContext::constantInput(const onnx::NodeProto &node, int i,
                                              const std::string &what) {
  const Value *value = input(node, i);
  if (!value)
    return nullptr;
  if (value->kind != Value::Kind::Constant) {
    fail(node, what + " (input '" + node.input(i) +
                   "') must be a constant (an initializer or computed from constants only); "
                   "values computed from the network's inputs are not supported");
    return nullptr;
  }
  return &value->constant;
}

bool ConvertContext::checkArity(const onnx::NodeProto &node, int minInputs, int maxInputs) {
  int given = node.input_size();
  while (given > 0 && node.input(given - 1).empty())
    --given;
  if (given < minInputs || given > maxInputs) {
    std::string expected = minInputs == maxInputs
                               ? std::to_string(minInputs)
                               : std::to_string(minInputs) + " to " + std::to_string(maxInputs);
    return fail(node, "expected " + expected + " inputs, found " + std::to_string(given));
  }
  for (int i = 1; i < node.output_size(); ++i)
    if (!node.output(i).empty() && useCount(node.output(i)) > 0)
      return fail(node, "output " + std::to_string(i) + " ('" + node.output(i) +
                            "') is used, but cnnc only converts the first output");
  return true;
}

bool ConvertContext::checkAttributes(const onnx::NodeProto &node,
                                     const std::set<std::string> &known) {
  for (const onnx::AttributeProto &attr : node.attribute())
    if (!known.count(attr.name()))
      return fail(node, "attribute '" + attr.name() + "' is not supported");
  return true;
}

const onnx::AttributeProto *ConvertContext::attribute(const onnx::NodeProto &node,
                                                      const std::string &name) const {
  for (const onnx::AttributeProto &attr : node.attribute())
    if (attr.name() == name)
      return &attr;
  return nullptr;
}

int64_t ConvertContext::attrInt(const onnx::NodeProto &node, const std::string &name,
                                int64_t fallback) const {
  const onnx::AttributeProto *attr = attribute(node, name);
  return attr ? attr->i() : fallback;
}

float ConvertContext::attrFloat(const onnx::NodeProto &node, const std::string &name,
                                float fallback) const {
  const onnx::AttributeProto *attr = attribute(node, name);
  return attr ? attr->f() : fallback;
}

std::string ConvertContext::attrString(const onnx::NodeProto &node, const std::string &name,
                                       const std::string &fallback) const {
  const onnx::AttributeProto *attr = attribute(node, name);
  return attr ? attr->s() : fallback;
}

std::vector<int64_t> ConvertContext::attrInts(const onnx::NodeProto &node,
                                              const std::string &name,
                                              std::vector<int64_t> fallback) const {
  const onnx::AttributeProto *attr = attribute(node, name);
  if (!attr)
    return fallback;
  return std::vector<int64_t>(attr->ints().begin(), attr->ints().end());
}

void ConvertContext::defineTensor(const std::string &valueName, TensorRef tensor) {
  Value value;
  value.kind = Value::Kind::Tensor;
  value.tensor = tensor;
  values_[valueName] = std::move(value);
}

void ConvertContext::defineConstant(const std::string &valueName, Constant constant) {
  Value value;
  value.kind = Value::Kind::Constant;
  value.constant = std::move(constant);
  values_[valueName] = std::move(value);
}

void ConvertContext::poison(const std::string &valueName) { values_[valueName] = Value{}; }

const Value *ConvertContext::find(const std::string &valueName) const {
  auto it = values_.find(valueName);
  return it == values_.end() ? nullptr : &it->second;
}

int ConvertContext::useCount(const std::string &valueName) const {
  auto it = consumers_.find(valueName);
  int n = it == consumers_.end() ? 0 : static_cast<int>(it->second.size());
  return n + static_cast<int>(graphOutputs_.count(valueName));
}

const onnx::NodeProto *ConvertContext::soleConsumer(const std::string &valueName) const {
  auto it = consumers_.find(valueName);
  if (graphOutputs_.count(valueName) || it == consumers_.end() || it->second.size() != 1)
    return nullptr;
  // A consumer without an output cannot be fused into its producer; convertNode
  // reports it when its turn comes.
  const onnx::NodeProto *consumer = it->second.front();
  if (consumer->output_size() == 0 || consumer->output(0).empty())
    return nullptr;
  return consumer;
}

bool ConvertContext::isAbsorbed(const onnx::NodeProto &node) const {
  for (const onnx::NodeProto *n : absorbed_)
    if (n == &node)
      return true;
  return false;
}

TensorRef ConvertContext::addLayer(const onnx::NodeProto &node, CnnLayer layer) {
  layer.onnxNode = node.name();
  layer.onnxOp = node.op_type();
  program_.layers.push_back(std::move(layer));
  return {false, program_.layers.size() - 1};
}

const ir::Shape &ConvertContext::shapeOf(TensorRef tensor) const {
  if (tensor.isInput)
    return program_.inputs[tensor.index].shape;
  return layerShapes_[tensor.index];
}

void ConvertContext::nameProvisionally() {
  // Sanitized input names never start with '_', so these cannot clash with them.
  for (size_t i = 0; i < program_.layers.size(); ++i)
    program_.layers[i].name = "_l" + std::to_string(i);
}

bool ConvertContext::checkNewLayers(const onnx::NodeProto &node, size_t firstNewLayer) {
  nameProvisionally();
  if (program_.name.empty())
    program_.name = "imported";
  CnnWriterOptions options;
  options.nodeComments = false;
  options.everythingIsOutput = true;
  dsl::SourceFile source("<import>", writeCnn(program_, options));
  dsl::DiagnosticEngine checkDiags(&source);
  dsl::Module module = dsl::parseModule(source, checkDiags);
  std::optional<ir::Graph> graph = import::buildGraph(module, checkDiags);
  if (!graph) {
    bool reported = false;
    for (const dsl::Diagnostic &d : checkDiags.diagnostics())
      if (d.severity == dsl::Severity::Error) {
        fail(node, d.message);
        reported = true;
      }
    if (!reported)
      fail(node, "the converted layers do not check");
    program_.layers.resize(firstNewLayer);
    return false;
  }
  layerShapes_.resize(program_.layers.size());
  for (size_t i = firstNewLayer; i < program_.layers.size(); ++i)
    layerShapes_[i] = graph->nodes[*graph->find(program_.layers[i].name)].shape;
  return true;
}

} // namespace cnnc::onnximport
