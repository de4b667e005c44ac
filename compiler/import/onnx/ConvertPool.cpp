// MaxPool, AveragePool -> max_pool2d, avg_pool2d; GlobalAveragePool, GlobalMaxPool ->
// global_avg_pool2d, global_max_pool2d. ONNX's pooling stride defaults to 1 and
// count_include_pad to 0, PyTorch's to kernel_size and true: both are always written.
#include "compiler/import/onnx/CnnWriter.h"
#include "compiler/import/onnx/ConvertHelpers.h"
#include "compiler/import/onnx/Converters.h"

namespace cnnc::onnximport {

namespace {

/// The window of a pooling node, which PyTorch can only pad symmetrically.
std::optional<Window> readPoolWindow(ConvertContext &ctx, const onnx::NodeProto &node,
                                     const ir::Shape &shape) {
  std::optional<Window> w = readWindow(ctx, node, shape, std::nullopt);
  if (!w)
    return std::nullopt;
  if (!w->symmetric()) {
    ctx.fail(node, "asymmetric padding (begin " + cnnTupleText(w->padBegin) + ", end " +
                       cnnTupleText(w->padEnd) + ") is not supported for pooling");
    return std::nullopt;
  }
  return w;
}

CnnLayer poolLayer(const std::string &op, TensorRef x, const Window &w, bool ceilMode) {
  CnnLayer pool;
  pool.op = op;
  pool.operands = {x};
  pool.attrs.push_back({"kernel_size", cnnPair(w.kernel[0], w.kernel[1])});
  if (w.stride != w.kernel)
    pool.attrs.push_back({"stride", cnnPair(w.stride[0], w.stride[1])});
  if (w.padBegin != std::array<int64_t, 2>{0, 0})
    pool.attrs.push_back({"padding", cnnPair(w.padBegin[0], w.padBegin[1])});
  if (w.dilation != std::array<int64_t, 2>{1, 1})
    pool.attrs.push_back({"dilation", cnnPair(w.dilation[0], w.dilation[1])});
  if (ceilMode)
    pool.attrs.push_back({"ceil_mode", cnnBool(true)});
  return pool;
}

bool convertGlobalPool(ConvertContext &ctx, const onnx::NodeProto &node, const std::string &op) {
  if (!ctx.checkArity(node, 1, 1) || !ctx.checkAttributes(node, {}))
    return false;
  std::optional<TensorRef> x = ctx.tensorInput(node, 0);
  if (!x || !requireRank4(ctx, node, ctx.shapeOf(*x)))
    return false;
  CnnLayer pool;
  pool.op = op;
  pool.operands = {*x};
  ctx.defineTensor(node.output(0), ctx.addLayer(node, std::move(pool)));
  return true;
}

} // namespace

bool convertMaxPool(ConvertContext &ctx, const onnx::NodeProto &node) {
  if (!ctx.checkArity(node, 1, 1) ||
      !ctx.checkAttributes(node, {"auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads",
                                  "storage_order", "strides"}))
    return false;
  std::optional<TensorRef> x = ctx.tensorInput(node, 0);
  if (!x || !requireRank4(ctx, node, ctx.shapeOf(*x)))
    return false;
  std::optional<Window> w = readPoolWindow(ctx, node, ctx.shapeOf(*x));
  if (!w)
    return false;
  bool ceilMode = ctx.attrInt(node, "ceil_mode", 0) != 0;
  ctx.defineTensor(node.output(0), ctx.addLayer(node, poolLayer("max_pool2d", *x, *w, ceilMode)));
  return true;
}

bool convertAveragePool(ConvertContext &ctx, const onnx::NodeProto &node) {
  if (!ctx.checkArity(node, 1, 1) ||
      !ctx.checkAttributes(node, {"auto_pad", "ceil_mode", "count_include_pad", "kernel_shape",
                                  "pads", "strides"}))
    return false;
  std::optional<TensorRef> x = ctx.tensorInput(node, 0);
  if (!x || !requireRank4(ctx, node, ctx.shapeOf(*x)))
    return false;
  std::optional<Window> w = readPoolWindow(ctx, node, ctx.shapeOf(*x));
  if (!w)
    return false;
  bool ceilMode = ctx.attrInt(node, "ceil_mode", 0) != 0;
  CnnLayer pool = poolLayer("avg_pool2d", *x, *w, ceilMode);
  // Padding is all count_include_pad can change (ceil_mode windows past the input are
  // clipped either way), so it is spelled out only then.
  if (w->padBegin != std::array<int64_t, 2>{0, 0})
    pool.attrs.push_back({"count_include_pad", cnnBool(ctx.attrInt(node, "count_include_pad", 0) != 0)});
  ctx.defineTensor(node.output(0), ctx.addLayer(node, std::move(pool)));
  return true;
}

bool convertGlobalAveragePool(ConvertContext &ctx, const onnx::NodeProto &node) {
  return convertGlobalPool(ctx, node, "global_avg_pool2d");
}

bool convertGlobalMaxPool(ConvertContext &ctx, const onnx::NodeProto &node) {
  return convertGlobalPool(ctx, node, "global_max_pool2d");
}

} // namespace cnnc::onnximport
