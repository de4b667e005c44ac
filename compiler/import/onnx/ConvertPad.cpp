// Pad -> pad. ONNX (opset 11 on) gives the pads as an int64 input ordered
// [x1_begin, x2_begin, ..., x1_end, x2_end, ...] over all axes; PyTorch's pad takes
// (left, right, top, bottom) over the last two. Modes: constant, reflect, edge
// (PyTorch's replicate); `wrap` arrives with opset 19, beyond the opsets cnnc reads.
#include "compiler/import/onnx/CnnWriter.h"
#include "compiler/import/onnx/ConvertHelpers.h"
#include "compiler/import/onnx/Converters.h"

#include <cmath>

namespace cnnc::onnximport {

namespace {

std::optional<std::string> padMode(ConvertContext &ctx, const onnx::NodeProto &node) {
  std::string mode = ctx.attrString(node, "mode", "constant");
  if (mode == "constant" || mode == "reflect")
    return mode;
  if (mode == "edge")
    return std::string("replicate");
  if (mode == "wrap")
    ctx.fail(node, "mode 'wrap' needs opset 19; this model uses opset " +
                       std::to_string(ctx.opset()) + " (cnnc reads opsets 11 to 17)");
  else
    ctx.fail(node, "mode '" + mode + "' is not one of constant, reflect, edge");
  return std::nullopt;
}

std::optional<float> padValue(ConvertContext &ctx, const onnx::NodeProto &node) {
  if (!ConvertContext::hasInput(node, 2))
    return 0.0f;
  const Constant *value = ctx.constantInput(node, 2, "the constant value");
  if (!value)
    return std::nullopt;
  if (value->numel() != 1) {
    ctx.fail(node, "the constant value must be a scalar, found shape " + formatDims(value->dims));
    return std::nullopt;
  }
  float v = static_cast<float>(value->at(0));
  if (!std::isfinite(v)) {
    ctx.fail(node, "the constant value must be finite");
    return std::nullopt;
  }
  return v;
}

} // namespace

bool convertPad(ConvertContext &ctx, const onnx::NodeProto &node) {
  if (!ctx.checkArity(node, 2, 3) || !ctx.checkAttributes(node, {"mode"}))
    return false;
  std::optional<TensorRef> x = ctx.tensorInput(node, 0);
  const Constant *padsConstant = ctx.constantInput(node, 1, "pads");
  if (!x || !padsConstant || !requireRank4(ctx, node, ctx.shapeOf(*x)))
    return false;
  std::optional<std::vector<int64_t>> pads = integerValues(*padsConstant);
  if (!pads || pads->size() != 8)
    return ctx.fail(node, "pads must be 8 integers for a 4-D input, found shape " +
                              formatDims(padsConstant->dims));
  const std::vector<int64_t> &p = *pads;
  if (p[0] || p[1] || p[4] || p[5])
    return ctx.fail(node, "pads " + formatDims(p) +
                              " pad the batch or channel axis; only height and width can be padded");
  for (int64_t v : p)
    if (v < 0)
      return ctx.fail(node, "negative pads " + formatDims(p) + " (cropping) are not supported");
  std::optional<std::string> mode = padMode(ctx, node);
  std::optional<float> value = padValue(ctx, node);
  if (!mode || !value)
    return false;
  if (*value != 0.0f && *mode != "constant")
    return ctx.fail(node, "a constant value is only meaningful in mode 'constant'");

  if (p == std::vector<int64_t>(8, 0)) {
    // A no-op: PyTorch exports AvgPool2d without padding behind one.
    ctx.defineTensor(node.output(0), *x);
    return true;
  }
  CnnLayer pad;
  pad.op = "pad";
  pad.operands = {*x};
  pad.attrs.push_back({"padding", cnnTuple({p[3], p[7], p[2], p[6]})});
  if (*mode != "constant")
    pad.attrs.push_back({"mode", *mode});
  if (*value != 0.0f)
    pad.attrs.push_back({"value", cnnFloat(*value)});
  ctx.defineTensor(node.output(0), ctx.addLayer(node, std::move(pad)));
  return true;
}

} // namespace cnnc::onnximport
