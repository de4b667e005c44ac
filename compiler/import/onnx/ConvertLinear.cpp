// Gemm, and MatMul followed by an Add of a constant, -> linear. PyTorch's Linear
// stores weight [out, in] and computes x W^T + b: Gemm with transB=1 as exported; any
// other transB, alpha and beta are folded into the weights.
#include "compiler/import/onnx/CnnWriter.h"
#include "compiler/import/onnx/ConvertHelpers.h"
#include "compiler/import/onnx/Converters.h"

namespace cnnc::onnximport {

namespace {

/// [rows, cols] -> [cols, rows].
rt::Tensor transposed(const Constant &c) {
  int64_t rows = c.dims[0], cols = c.dims[1];
  rt::Tensor t;
  t.shape = {cols, rows};
  t.data.resize(c.floats.size());
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t col = 0; col < cols; ++col)
      t.data[static_cast<size_t>(col * rows + r)] = c.floats[static_cast<size_t>(r * cols + col)];
  return t;
}

/// The data input of a linear layer: a computed [N, in] tensor.
std::optional<TensorRef> matrixInput(ConvertContext &ctx, const onnx::NodeProto &node) {
  std::optional<TensorRef> x = ctx.tensorInput(node, 0);
  if (!x)
    return std::nullopt;
  if (ctx.shapeOf(*x).size() != 2) {
    ctx.fail(node, "input has shape " + formatDims(ctx.shapeOf(*x)) +
                       "; only 2-D inputs [N, features] are supported (flatten first)");
    return std::nullopt;
  }
  return x;
}

const Constant *matrixWeight(ConvertContext &ctx, const onnx::NodeProto &node) {
  const Constant *w = ctx.constantInput(node, 1, "the weight");
  if (!w)
    return nullptr;
  if (w->type != ConstantType::Float || w->dims.size() != 2) {
    ctx.fail(node, "the weight ('" + node.input(1) + "') has shape " + formatDims(w->dims) +
                       "; expected a 2-D float matrix");
    return nullptr;
  }
  return w;
}

/// A bias of `count` values given with any shape that broadcasts along the rows of
/// the output ([count], [1, count], or a single value).
std::optional<rt::Tensor> rowBias(ConvertContext &ctx, const onnx::NodeProto &node, int input,
                                  int64_t count, float scale) {
  const Constant *c = ctx.constantInput(node, input, "the bias");
  if (!c)
    return std::nullopt;
  bool row = c->numel() == count && (c->dims.size() == 1 || (c->dims.size() == 2 && c->dims[0] == 1));
  bool single = c->numel() == 1;
  if (c->type != ConstantType::Float || !(row || single)) {
    ctx.fail(node, "the bias ('" + node.input(input) + "') has shape " + formatDims(c->dims) +
                       "; expected " + std::to_string(count) + " float values");
    return std::nullopt;
  }
  rt::Tensor bias;
  bias.shape = {count};
  for (int64_t i = 0; i < count; ++i)
    bias.data.push_back(scale * c->floats[single ? 0 : static_cast<size_t>(i)]);
  return bias;
}

TensorRef addLinear(ConvertContext &ctx, const onnx::NodeProto &node, TensorRef x,
                    rt::Tensor weight, std::optional<rt::Tensor> bias) {
  CnnLayer linear;
  linear.op = "linear";
  linear.operands = {x};
  linear.modulePathHint = modulePathFromWeight(node.input(1), "weight");
  linear.attrs.push_back({"out_features", cnnInt(weight.shape[0])});
  if (!bias)
    linear.attrs.push_back({"bias", cnnBool(false)});
  linear.weights.emplace_back("weight", std::move(weight));
  if (bias)
    linear.weights.emplace_back("bias", std::move(*bias));
  return ctx.addLayer(node, std::move(linear));
}

} // namespace

bool convertGemm(ConvertContext &ctx, const onnx::NodeProto &node) {
  if (!ctx.checkArity(node, 2, 3) ||
      !ctx.checkAttributes(node, {"alpha", "beta", "transA", "transB"}))
    return false;
  if (ctx.attrInt(node, "transA", 0) != 0)
    return ctx.fail(node, "transA=1 is not supported (the input must be [N, features])");
  std::optional<TensorRef> x = matrixInput(ctx, node);
  const Constant *b = matrixWeight(ctx, node);
  if (!x || !b)
    return false;
  float alpha = ctx.attrFloat(node, "alpha", 1.0f);
  float beta = ctx.attrFloat(node, "beta", 1.0f);
  bool transB = ctx.attrInt(node, "transB", 0) != 0;
  rt::Tensor weight = transB ? toTensor(*b, b->dims) : transposed(*b);
  if (alpha != 1.0f)
    for (float &w : weight.data)
      w *= alpha;
  std::optional<rt::Tensor> bias;
  if (ConvertContext::hasInput(node, 2) &&
      !(bias = rowBias(ctx, node, 2, weight.shape[0], beta)))
    return false;
  ctx.defineTensor(node.output(0), addLinear(ctx, node, *x, std::move(weight), std::move(bias)));
  return true;
}

bool convertMatMul(ConvertContext &ctx, const onnx::NodeProto &node) {
  if (!ctx.checkArity(node, 2, 2) || !ctx.checkAttributes(node, {}))
    return false;
  std::optional<TensorRef> x = matrixInput(ctx, node);
  const Constant *b = matrixWeight(ctx, node);
  if (!x || !b)
    return false;
  rt::Tensor weight = transposed(*b);
  // The bias, when the product's only use is an Add of a constant defined already.
  const onnx::NodeProto *add = ctx.soleConsumer(node.output(0));
  std::optional<rt::Tensor> bias;
  std::string biasOutput;
  if (add && add->op_type() == "Add" && add->input_size() == 2 && add->attribute_size() == 0) {
    int other = add->input(0) == node.output(0) ? 1 : 0;
    const Value *v = ctx.find(add->input(other));
    if (v && v->kind == Value::Kind::Constant) {
      bias = rowBias(ctx, *add, other, weight.shape[0], 1.0f);
      if (!bias)
        return false;
      biasOutput = add->output(0);
      ctx.absorb(*add);
    }
  }
  TensorRef out = addLinear(ctx, node, *x, std::move(weight), std::move(bias));
  ctx.defineTensor(node.output(0), out);
  if (!biasOutput.empty())
    ctx.defineTensor(biasOutput, out);
  return true;
}

} // namespace cnnc::onnximport
