// The import driver: read the model, take its initializers and inputs, convert each
// node in order (ONNX requires topological order), name the layers, then check the
// whole .cnn text and its weights with cnnc's own front end before handing them out.
#include "compiler/import/onnx/ImportOnnx.h"

#include "compiler/import/BuildGraph.h"
#include "compiler/import/onnx/CnnWriter.h"
#include "compiler/import/onnx/ConvertContext.h"
#include "compiler/import/onnx/Converters.h"
#include "compiler/import/onnx/LayerNames.h"
#include "dsl/Parser.h"

#include <filesystem>
#include <map>
#include <set>

namespace cnnc::onnximport {

namespace {

bool defineInitializers(ConvertContext &ctx) {
  bool ok = true;
  for (const onnx::TensorProto &tensor : ctx.graph().initializer()) {
    std::string error;
    std::optional<Constant> c = decodeTensor(tensor, error);
    if (!c) {
      ctx.error("initializer '" + tensor.name() + "': " + error);
      ok = false;
      continue;
    }
    ctx.defineConstant(tensor.name(), std::move(*c));
  }
  return ok;
}

std::optional<std::vector<int64_t>> staticInputShape(ConvertContext &ctx,
                                                     const onnx::ValueInfoProto &input) {
  const std::string where = "graph input '" + input.name() + "'";
  if (!input.type().has_tensor_type() ||
      input.type().tensor_type().elem_type() != onnx::TensorProto::FLOAT) {
    ctx.error(where + " is not a float32 tensor");
    return std::nullopt;
  }
  const onnx::TensorShapeProto &shape = input.type().tensor_type().shape();
  std::vector<int64_t> dims;
  for (const onnx::TensorShapeProto::Dimension &d : shape.dim()) {
    if (!d.has_dim_value() || d.dim_value() <= 0) {
      std::string what = d.has_dim_param() ? "dynamic dimension '" + d.dim_param() + "'"
                                           : "dimension without a size";
      ctx.error(where + " has a " + what + "; cnnc needs static shapes (export with fixed sizes)");
      return std::nullopt;
    }
    dims.push_back(d.dim_value());
  }
  if (dims.size() != 4 && dims.size() != 2) {
    ctx.error(where + " has shape " + formatDims(dims) + "; cnnc inputs are [N, C, H, W] or [N, F]");
    return std::nullopt;
  }
  return dims;
}

bool defineInputs(ConvertContext &ctx) {
  std::set<std::string> initializers, taken;
  for (const onnx::TensorProto &tensor : ctx.graph().initializer())
    initializers.insert(tensor.name());
  bool ok = true;
  for (const onnx::ValueInfoProto &input : ctx.graph().input()) {
    if (initializers.count(input.name()))
      continue; // an initializer listed as an input (older exporters): a constant
    std::optional<std::vector<int64_t>> dims = staticInputShape(ctx, input);
    if (dims && ctx.useCount(input.name()) == 0) {
      ctx.error("graph input '" + input.name() + "' is not used by any node");
      dims.reset();
    }
    if (!dims) {
      ok = false;
      continue;
    }
    std::string name = sanitizeIdentifier(input.name());
    std::string base = name.empty() ? "input" : name;
    name = base;
    for (int n = 2; taken.count(name); ++n)
      name = base + "_" + std::to_string(n);
    taken.insert(name);
    CnnProgram &program = ctx.program();
    program.inputs.push_back({name, *dims});
    ctx.defineTensor(input.name(), {true, program.inputs.size() - 1});
  }
  if (ok && ctx.program().inputs.empty()) {
    ctx.error("the model has no input");
    ok = false;
  }
  return ok;
}

/// Converts one node; on failure its outputs become poisoned, so that the nodes that
/// read them stay silent (one mistake, one message).
void convertNode(ConvertContext &ctx, const onnx::NodeProto &node) {
  if (ctx.isAbsorbed(node))
    return;
  bool ok = true;
  for (const std::string &in : node.input()) {
    const Value *v = in.empty() ? nullptr : ctx.find(in);
    if (v && v->kind == Value::Kind::Poisoned)
      ok = false;
  }
  size_t firstLayer = ctx.program().layers.size();
  size_t absorbed = ctx.absorbedCount();
  if (ok) {
    const std::map<std::string, ConvertFn> &table = converterTable();
    auto converter = table.find(node.op_type());
    if (!node.domain().empty() && node.domain() != "ai.onnx")
      ok = ctx.fail(node, "operators of domain '" + node.domain() + "' are not supported");
    else if (node.output_size() == 0 || node.output(0).empty())
      ok = ctx.fail(node, "the node has no output"); // every converter defines output 0
    else if (converter == table.end())
      ok = ctx.fail(node, "operator " + node.op_type() + " is not supported");
    else
      ok = converter->second(ctx, node) &&
           (ctx.program().layers.size() == firstLayer || ctx.checkNewLayers(node, firstLayer));
  }
  if (ok)
    return;
  ctx.program().layers.resize(firstLayer);
  ctx.forgetAbsorbedAfter(absorbed);
  for (const std::string &out : node.output())
    if (!out.empty())
      ctx.poison(out);
}

bool defineOutputs(ConvertContext &ctx) {
  bool ok = true;
  std::set<std::pair<bool, size_t>> seen;
  for (const onnx::ValueInfoProto &output : ctx.graph().output()) {
    const Value *v = ctx.find(output.name());
    if (v && v->kind == Value::Kind::Poisoned) {
      ok = false; // reported at the node that failed
      continue;
    }
    if (!v || v->kind != Value::Kind::Tensor) {
      ctx.error("graph output '" + output.name() +
                (v ? "' is a constant, not computed from the inputs" : "' is never computed"));
      ok = false;
      continue;
    }
    if (!seen.insert({v->tensor.isInput, v->tensor.index}).second) {
      ctx.error("graph output '" + output.name() + "' repeats another output's tensor");
      ok = false;
      continue;
    }
    ctx.program().outputs.push_back(v->tensor);
  }
  if (ok && ctx.program().outputs.empty()) {
    ctx.error("the model has no output");
    ok = false;
  }
  return ok;
}

/// "[1, ?, 224, 224]": a declared ONNX shape, symbolic dimensions as '?'.
std::string formatDeclared(const onnx::TensorShapeProto &shape) {
  std::string text = "[";
  for (int d = 0; d < shape.dim_size(); ++d)
    text += (d ? ", " : "") +
            (shape.dim(d).has_dim_value() ? std::to_string(shape.dim(d).dim_value()) : "?");
  return text + "]";
}

/// ONNX's declared output shapes, where given, must be what cnnc computes.
bool checkDeclaredShapes(ConvertContext &ctx, const ir::Graph &graph) {
  bool ok = true;
  const CnnProgram &program = ctx.program();
  for (int i = 0; i < ctx.graph().output_size(); ++i) {
    const onnx::ValueInfoProto &output = ctx.graph().output(i);
    if (!output.type().tensor_type().has_shape())
      continue;
    const onnx::TensorShapeProto &declared = output.type().tensor_type().shape();
    const std::string &name = program.nameOf(program.outputs[static_cast<size_t>(i)]);
    const ir::Shape &shape = graph.nodes[*graph.find(name)].shape;
    bool same = declared.dim_size() == static_cast<int>(shape.size());
    for (int d = 0; same && d < declared.dim_size(); ++d)
      same = !declared.dim(d).has_dim_value() ||
             declared.dim(d).dim_value() == shape[static_cast<size_t>(d)];
    if (!same) {
      ctx.error("graph output '" + output.name() + "': cnnc computes shape " + formatDims(shape) +
                ", the model declares " + formatDeclared(declared));
      ok = false;
    }
  }
  return ok;
}

/// Every weight the checked graph expects, from the layers, by name and shape.
std::optional<std::vector<std::pair<std::string, rt::Tensor>>>
collectWeights(ConvertContext &ctx, const ir::Graph &graph) {
  std::map<std::string, std::pair<const rt::Tensor *, const CnnLayer *>> have;
  for (const CnnLayer &layer : ctx.program().layers)
    for (const auto &[suffix, tensor] : layer.weights)
      have[layer.name + "." + suffix] = {&tensor, &layer};
  std::vector<std::pair<std::string, rt::Tensor>> weights;
  for (const ir::NamedWeight &w : ir::graphWeights(graph)) {
    auto it = have.find(w.name);
    if (it == have.end() || it->second.first->shape != w.spec.shape) {
      ctx.error("weight '" + w.name + "': expected shape " + ir::formatShape(w.spec.shape) +
                (it == have.end() ? ", missing" : ", found " + formatDims(it->second.first->shape)));
      return std::nullopt;
    }
    weights.emplace_back(w.name, *it->second.first);
  }
  return weights;
}

std::string describe(const std::string &name, const ir::Shape &shape) {
  return name + ": " + ir::formatShape(shape);
}

} // namespace

std::optional<ImportedNetwork> importOnnx(const std::string &path, const ImportOptions &options,
                                          dsl::DiagnosticEngine &diags) {
  std::string error;
  std::optional<onnx::ModelProto> model = readOnnxModel(path, error);
  if (!model) {
    diags.error({}, error);
    return std::nullopt;
  }
  std::optional<int64_t> opset = defaultOpsetVersion(*model);
  if (!opset || *opset < kMinOpset || *opset > kMaxOpset) {
    diags.error({}, "the model uses opset " + (opset ? std::to_string(*opset) : "(none)") +
                        "; cnnc imports opsets " + std::to_string(kMinOpset) + " to " +
                        std::to_string(kMaxOpset) + " (re-export with opset_version in that range)");
    return std::nullopt;
  }
  ConvertContext ctx(model->graph(), *opset, diags);
  ctx.program().name = options.networkName;
  if (!defineInitializers(ctx) || !defineInputs(ctx))
    return std::nullopt;
  for (const onnx::NodeProto &node : model->graph().node())
    convertNode(ctx, node);
  if (!defineOutputs(ctx) || diags.hasErrors())
    return std::nullopt;

  CnnProgram &program = ctx.program();
  assignLayerNames(program);
  std::string producer = model->producer_name().empty() ? "unknown producer" : model->producer_name();
  if (!model->producer_version().empty())
    producer += " " + model->producer_version();
  program.headerComments = {
      "Imported by `cnnc import` from " + std::filesystem::path(path).filename().string() + " (" +
      producer + ", opset " + std::to_string(*opset) + ").",
      "Weights: <layer>.<name> in the safetensors file written with it."};
  ImportedNetwork result;
  result.cnnText = writeCnn(program, CnnWriterOptions{});

  dsl::SourceFile source(program.name + ".cnn", result.cnnText);
  dsl::DiagnosticEngine checkDiags(&source);
  std::optional<ir::Graph> graph = import::buildGraph(dsl::parseModule(source, checkDiags), checkDiags);
  if (!graph || checkDiags.hasErrors()) {
    diags.error({}, "the converted network does not check (a bug in cnnc import):\n" +
                        checkDiags.renderAll());
    return std::nullopt;
  }
  if (!checkDeclaredShapes(ctx, *graph))
    return std::nullopt;
  std::optional<std::vector<std::pair<std::string, rt::Tensor>>> weights = collectWeights(ctx, *graph);
  if (!weights)
    return std::nullopt;
  result.weights = std::move(*weights);
  for (ir::NodeId id : graph->inputs)
    result.inputs.push_back(describe(graph->nodes[id].name, graph->nodes[id].shape));
  for (ir::NodeId id : graph->outputs)
    result.outputs.push_back(describe(graph->nodes[id].name, graph->nodes[id].shape));
  result.layerCount = program.layers.size();
  return result;
}

} // namespace cnnc::onnximport
