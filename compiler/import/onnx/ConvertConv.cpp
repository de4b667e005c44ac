// Conv -> conv2d, with an explicit zero `pad` layer in front when ONNX pads the two
// sides of an axis differently (PyTorch's conv2d pads both sides equally).
#include "compiler/import/onnx/CnnWriter.h"
#include "compiler/import/onnx/ConvertHelpers.h"
#include "compiler/import/onnx/Converters.h"

namespace cnnc::onnximport {

namespace {

/// A `pad` layer for asymmetric padding; returns its output.
TensorRef addPadLayer(ConvertContext &ctx, const onnx::NodeProto &node, TensorRef input,
                      const Window &w) {
  CnnLayer pad;
  pad.op = "pad";
  pad.role = "pad";
  pad.operands = {input};
  // torch.nn.functional.pad order: (left, right, top, bottom).
  pad.attrs.push_back({"padding", cnnTuple({w.padBegin[1], w.padEnd[1], w.padBegin[0], w.padEnd[0]})});
  return ctx.addLayer(node, std::move(pad));
}

void addConvAttrs(CnnLayer &conv, const Window &w, int64_t outChannels, int64_t groups,
                  bool hasBias) {
  conv.attrs.push_back({"out_channels", cnnInt(outChannels)});
  conv.attrs.push_back({"kernel_size", cnnPair(w.kernel[0], w.kernel[1])});
  if (w.stride != std::array<int64_t, 2>{1, 1})
    conv.attrs.push_back({"stride", cnnPair(w.stride[0], w.stride[1])});
  if (w.symmetric() && w.padBegin != std::array<int64_t, 2>{0, 0})
    conv.attrs.push_back({"padding", cnnPair(w.padBegin[0], w.padBegin[1])});
  if (w.dilation != std::array<int64_t, 2>{1, 1})
    conv.attrs.push_back({"dilation", cnnPair(w.dilation[0], w.dilation[1])});
  if (groups != 1)
    conv.attrs.push_back({"groups", cnnInt(groups)});
  if (!hasBias)
    conv.attrs.push_back({"bias", cnnBool(false)});
}

} // namespace

bool convertConv(ConvertContext &ctx, const onnx::NodeProto &node) {
  if (!ctx.checkArity(node, 2, 3) ||
      !ctx.checkAttributes(node, {"auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"}))
    return false;
  std::optional<TensorRef> x = ctx.tensorInput(node, 0);
  const Constant *weight = ctx.constantInput(node, 1, "the weight");
  if (!x || !weight)
    return false;
  if (!requireRank4(ctx, node, ctx.shapeOf(*x)))
    return false;
  if (weight->type != ConstantType::Float || weight->dims.size() != 4)
    return ctx.fail(node, "the weight ('" + node.input(1) + "') has shape " +
                              formatDims(weight->dims) + "; a 2-D convolution needs a 4-D float weight");
  int64_t outChannels = weight->dims[0];
  const Constant *bias = nullptr;
  if (ConvertContext::hasInput(node, 2) &&
      !(bias = floatVector(ctx, node, 2, "the bias", outChannels)))
    return false;
  std::optional<Window> w =
      readWindow(ctx, node, ctx.shapeOf(*x), std::array<int64_t, 2>{weight->dims[2], weight->dims[3]});
  if (!w)
    return false;
  int64_t groups = ctx.attrInt(node, "group", 1);

  TensorRef convInput = w->symmetric() ? *x : addPadLayer(ctx, node, *x, *w);
  CnnLayer conv;
  conv.op = "conv2d";
  conv.operands = {convInput};
  conv.modulePathHint = modulePathFromWeight(node.input(1), "weight");
  addConvAttrs(conv, *w, outChannels, groups, bias != nullptr);
  conv.weights.emplace_back("weight", toTensor(*weight, weight->dims));
  if (bias)
    conv.weights.emplace_back("bias", toTensor(*bias, {outChannels}));
  ctx.defineTensor(node.output(0), ctx.addLayer(node, std::move(conv)));
  return true;
}

} // namespace cnnc::onnximport
