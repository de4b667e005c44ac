// Add, Concat, Flatten, Reshape, Identity and Dropout: joins, and the reshapes that
// PyTorch's exporter emits around a classifier head. A Reshape is converted only when
// it is a flatten to [N, C*H*W] or changes nothing; on constants these operators fold.
#include "compiler/import/onnx/CnnWriter.h"
#include "compiler/import/onnx/ConvertHelpers.h"
#include "compiler/import/onnx/Converters.h"

namespace cnnc::onnximport {

namespace {

int64_t product(const ir::Shape &shape, size_t begin, size_t end) {
  int64_t n = 1;
  for (size_t d = begin; d < end; ++d)
    n *= shape[d];
  return n;
}

/// Defines the node's output as `x` reshaped to `target`: the tensor itself when the
/// shape is unchanged, a flatten when `target` is [N, rest], else an error.
bool reshapeTensor(ConvertContext &ctx, const onnx::NodeProto &node, TensorRef x,
                   const ir::Shape &target) {
  const ir::Shape &shape = ctx.shapeOf(x);
  if (target == shape) {
    ctx.defineTensor(node.output(0), x);
    return true;
  }
  ir::Shape flat = {shape[0], product(shape, 1, shape.size())};
  if (target != flat)
    return ctx.fail(node, "reshaping " + formatDims(shape) + " to " + formatDims(target) +
                              " is not supported; only a flatten to " + formatDims(flat) + " is");
  CnnLayer layer;
  layer.op = "flatten";
  layer.operands = {x};
  ctx.defineTensor(node.output(0), ctx.addLayer(node, std::move(layer)));
  return true;
}

/// ONNX Reshape's target: 0 copies the input's size (unless allowzero), -1 is inferred.
std::optional<ir::Shape> reshapeTarget(ConvertContext &ctx, const onnx::NodeProto &node,
                                       const std::vector<int64_t> &inputDims,
                                       std::vector<int64_t> spec) {
  bool allowZero = ctx.attrInt(node, "allowzero", 0) != 0;
  int64_t known = 1, inferred = -1, total = 1;
  for (int64_t d : inputDims)
    total *= d;
  for (size_t i = 0; i < spec.size(); ++i) {
    if (spec[i] == 0 && !allowZero) {
      if (i >= inputDims.size()) {
        ctx.fail(node, "shape " + formatDims(spec) + " copies an axis the input does not have");
        return std::nullopt;
      }
      spec[i] = inputDims[i];
    }
    if (spec[i] == -1 && inferred < 0) {
      inferred = static_cast<int64_t>(i);
      continue;
    }
    if (spec[i] < 0 || __builtin_mul_overflow(known, spec[i], &known)) {
      ctx.fail(node, "shape " + formatDims(spec) + " is not a valid Reshape target");
      return std::nullopt;
    }
  }
  if (inferred >= 0) {
    if (known == 0 || total % known != 0) {
      ctx.fail(node, "cannot reshape " + formatDims(inputDims) + " to " + formatDims(spec));
      return std::nullopt;
    }
    spec[static_cast<size_t>(inferred)] = total / known;
  } else if (known != total) {
    ctx.fail(node, "cannot reshape " + formatDims(inputDims) + " to " + formatDims(spec));
    return std::nullopt;
  }
  return spec;
}

/// Defines the node's first output as its first input, tensor or constant.
bool alias(ConvertContext &ctx, const onnx::NodeProto &node) {
  const Value *value = ctx.input(node, 0);
  if (!value)
    return false;
  if (value->kind == Value::Kind::Tensor)
    ctx.defineTensor(node.output(0), value->tensor);
  else
    ctx.defineConstant(node.output(0), value->constant);
  return true;
}

} // namespace

bool convertAdd(ConvertContext &ctx, const onnx::NodeProto &node) {
  if (!ctx.checkArity(node, 2, 2) || !ctx.checkAttributes(node, {}))
    return false;
  const Value *a = ctx.input(node, 0);
  const Value *b = ctx.input(node, 1);
  if (!a || !b)
    return false;
  if (a->kind != Value::Kind::Tensor || b->kind != Value::Kind::Tensor)
    return ctx.fail(node, "adding a constant is only supported as the bias of a MatMul "
                          "(converted to linear); here '" +
                              node.input(a->kind != Value::Kind::Tensor ? 0 : 1) + "' is a constant");
  const ir::Shape &sa = ctx.shapeOf(a->tensor);
  const ir::Shape &sb = ctx.shapeOf(b->tensor);
  if (sa != sb)
    return ctx.fail(node, "operands have shapes " + formatDims(sa) + " and " + formatDims(sb) +
                              "; broadcasting is not supported");
  CnnLayer add;
  add.op = "add";
  add.operands = {a->tensor, b->tensor};
  ctx.defineTensor(node.output(0), ctx.addLayer(node, std::move(add)));
  return true;
}

bool convertConcat(ConvertContext &ctx, const onnx::NodeProto &node) {
  if (!ctx.checkArity(node, 1, node.input_size()) || !ctx.checkAttributes(node, {"axis"}))
    return false;
  if (!ctx.attribute(node, "axis"))
    return ctx.fail(node, "attribute 'axis' is missing");
  bool allConstant = true;
  for (int i = 0; i < node.input_size(); ++i) {
    const Value *v = ctx.input(node, i);
    if (!v)
      return false;
    allConstant = allConstant && v->kind == Value::Kind::Constant;
  }
  if (allConstant)
    return foldConcat(ctx, node);
  CnnLayer concat;
  concat.op = "concat";
  for (int i = 0; i < node.input_size(); ++i) {
    std::optional<TensorRef> x = ctx.tensorInput(node, i);
    if (!x)
      return false;
    concat.operands.push_back(*x);
  }
  std::optional<int64_t> axis =
      normalizeAxis(ctx, node, ctx.attrInt(node, "axis", 1), ctx.shapeOf(concat.operands[0]).size());
  if (!axis)
    return false;
  if (node.input_size() == 1) {
    ctx.defineTensor(node.output(0), concat.operands[0]);
    return true;
  }
  concat.attrs.push_back({"dim", cnnInt(*axis)});
  ctx.defineTensor(node.output(0), ctx.addLayer(node, std::move(concat)));
  return true;
}

bool convertFlatten(ConvertContext &ctx, const onnx::NodeProto &node) {
  if (!ctx.checkArity(node, 1, 1) || !ctx.checkAttributes(node, {"axis"}))
    return false;
  const Value *v = ctx.input(node, 0);
  if (!v)
    return false;
  const std::vector<int64_t> &dims =
      v->kind == Value::Kind::Constant ? v->constant.dims : ctx.shapeOf(v->tensor);
  int64_t rawAxis = ctx.attrInt(node, "axis", 1);
  // Flatten's axis may equal the rank (everything into the first dimension).
  std::optional<int64_t> axis =
      rawAxis == static_cast<int64_t>(dims.size()) ? rawAxis : normalizeAxis(ctx, node, rawAxis, dims.size());
  if (!axis)
    return false;
  size_t split = static_cast<size_t>(*axis);
  ir::Shape target = {product(dims, 0, split), product(dims, split, dims.size())};
  if (v->kind == Value::Kind::Constant)
    return foldReshape(ctx, node, v->constant, target);
  return reshapeTensor(ctx, node, v->tensor, target);
}

bool convertReshape(ConvertContext &ctx, const onnx::NodeProto &node) {
  if (!ctx.checkArity(node, 2, 2) || !ctx.checkAttributes(node, {"allowzero"}))
    return false;
  const Value *v = ctx.input(node, 0);
  const Constant *spec = ctx.constantInput(node, 1, "the target shape");
  if (!v || !spec)
    return false;
  std::optional<std::vector<int64_t>> specValues = integerValues(*spec);
  if (!specValues || spec->dims.size() != 1)
    return ctx.fail(node, "the target shape must be a 1-D integer tensor");
  const std::vector<int64_t> &dims =
      v->kind == Value::Kind::Constant ? v->constant.dims : ctx.shapeOf(v->tensor);
  std::optional<ir::Shape> target = reshapeTarget(ctx, node, dims, *specValues);
  if (!target)
    return false;
  if (v->kind == Value::Kind::Constant)
    return foldReshape(ctx, node, v->constant, *target);
  return reshapeTensor(ctx, node, v->tensor, *target);
}

bool convertIdentity(ConvertContext &ctx, const onnx::NodeProto &node) {
  return ctx.checkArity(node, 1, 1) && ctx.checkAttributes(node, {}) && alias(ctx, node);
}

bool convertDropout(ConvertContext &ctx, const onnx::NodeProto &node) {
  // Inference: the output is the input. Opset 12 made ratio and training_mode inputs.
  if (!ctx.checkArity(node, 1, 3) || !ctx.checkAttributes(node, {"ratio", "seed"}))
    return false;
  if (ConvertContext::hasInput(node, 2)) {
    const Constant *training = ctx.constantInput(node, 2, "training_mode");
    if (!training)
      return false;
    if (training->numel() != 1 || training->at(0) != 0.0)
      return ctx.fail(node, "training_mode must be false (cnnc runs inference)");
  }
  return alias(ctx, node);
}

} // namespace cnnc::onnximport
