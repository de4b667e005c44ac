// Window attributes, weight conversion and axes shared by the converters.
#include "compiler/import/onnx/ConvertHelpers.h"

namespace cnnc::onnximport {

namespace {

bool readPair(ConvertContext &ctx, const onnx::NodeProto &node, const std::string &name,
              std::array<int64_t, 2> &out, int64_t minimum) {
  const onnx::AttributeProto *attr = ctx.attribute(node, name);
  if (!attr)
    return true;
  if (attr->ints_size() != 2)
    return ctx.fail(node, "'" + name + "' has " + std::to_string(attr->ints_size()) +
                              " values; only 2-D windows (two values) are supported");
  for (int i = 0; i < 2; ++i) {
    if (attr->ints(i) < minimum)
      return ctx.fail(node, "'" + name + "' value " + std::to_string(attr->ints(i)) +
                                " must be at least " + std::to_string(minimum));
    out[static_cast<size_t>(i)] = attr->ints(i);
  }
  return true;
}

/// ONNX's SAME_UPPER/SAME_LOWER: output ceil(in / stride), padding split with the odd
/// pixel at the end (upper) or the beginning (lower).
void resolveSamePadding(Window &w, const ir::Shape &input, bool upper) {
  for (size_t a = 0; a < 2; ++a) {
    int64_t in = input[2 + a];
    int64_t out = (in + w.stride[a] - 1) / w.stride[a];
    int64_t total = std::max<int64_t>(
        0, (out - 1) * w.stride[a] + (w.kernel[a] - 1) * w.dilation[a] + 1 - in);
    w.padBegin[a] = upper ? total / 2 : total - total / 2;
    w.padEnd[a] = total - w.padBegin[a];
  }
}

} // namespace

std::optional<Window> readWindow(ConvertContext &ctx, const onnx::NodeProto &node,
                                 const ir::Shape &inputShape,
                                 std::optional<std::array<int64_t, 2>> kernel) {
  Window w;
  if (kernel)
    w.kernel = *kernel;
  else if (!ctx.attribute(node, "kernel_shape")) {
    ctx.fail(node, "attribute 'kernel_shape' is missing");
    return std::nullopt;
  }
  if (!readPair(ctx, node, "kernel_shape", w.kernel, 1) ||
      !readPair(ctx, node, "strides", w.stride, 1) ||
      !readPair(ctx, node, "dilations", w.dilation, 1))
    return std::nullopt;
  if (kernel && w.kernel != *kernel) {
    ctx.fail(node, "'kernel_shape' " + cnnTupleText(w.kernel) +
                       " disagrees with the weight's kernel " + cnnTupleText(*kernel));
    return std::nullopt;
  }
  std::string autoPad = ctx.attrString(node, "auto_pad", "NOTSET");
  if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
    resolveSamePadding(w, inputShape, autoPad == "SAME_UPPER");
    return w;
  }
  if (autoPad == "VALID")
    return w;
  if (autoPad != "NOTSET") {
    ctx.fail(node, "auto_pad '" + autoPad + "' is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID");
    return std::nullopt;
  }
  std::vector<int64_t> pads = ctx.attrInts(node, "pads", {0, 0, 0, 0});
  if (pads.size() != 4) {
    ctx.fail(node, "'pads' has " + std::to_string(pads.size()) +
                       " values; only 2-D windows (four values) are supported");
    return std::nullopt;
  }
  for (int64_t p : pads)
    if (p < 0) {
      ctx.fail(node, "negative 'pads' " + formatDims(pads) + " (cropping) are not supported");
      return std::nullopt;
    }
  // ONNX orders pads [x1_begin, x2_begin, x1_end, x2_end]: height, width, then ends.
  w.padBegin = {pads[0], pads[1]};
  w.padEnd = {pads[2], pads[3]};
  return w;
}

std::string cnnTupleText(const std::array<int64_t, 2> &pair) {
  return "[" + std::to_string(pair[0]) + ", " + std::to_string(pair[1]) + "]";
}

bool requireRank4(ConvertContext &ctx, const onnx::NodeProto &node, const ir::Shape &shape) {
  if (shape.size() == 4)
    return true;
  return ctx.fail(node, "input has shape " + formatDims(shape) +
                            "; only 4-D NCHW tensors (2-D images) are supported");
}

rt::Tensor toTensor(const Constant &constant, std::vector<int64_t> shape) {
  rt::Tensor tensor;
  tensor.shape = std::move(shape);
  tensor.data = constant.floats;
  return tensor;
}

std::string modulePathFromWeight(const std::string &initializerName, const std::string &suffix) {
  std::string tail = "." + suffix;
  if (initializerName.size() <= tail.size() || initializerName.rfind("onnx::", 0) == 0 ||
      initializerName.compare(initializerName.size() - tail.size(), tail.size(), tail) != 0)
    return "";
  return initializerName.substr(0, initializerName.size() - tail.size());
}

std::optional<int64_t> normalizeAxis(ConvertContext &ctx, const onnx::NodeProto &node,
                                     int64_t axis, size_t rank) {
  int64_t r = static_cast<int64_t>(rank);
  if (axis < -r || axis >= r) {
    ctx.fail(node, "axis " + std::to_string(axis) + " is out of range for rank " +
                       std::to_string(rank));
    return std::nullopt;
  }
  return axis < 0 ? axis + r : axis;
}

const Constant *floatVector(ConvertContext &ctx, const onnx::NodeProto &node, int input,
                            const std::string &what, int64_t count) {
  const Constant *c = ctx.constantInput(node, input, what);
  if (!c)
    return nullptr;
  if (c->type != ConstantType::Float) {
    ctx.fail(node, what + " ('" + node.input(input) + "') must be a float tensor");
    return nullptr;
  }
  if (c->numel() != count) {
    ctx.fail(node, what + " ('" + node.input(input) + "') has shape " + formatDims(c->dims) +
                       ", expected " + std::to_string(count) + " values");
    return nullptr;
  }
  return c;
}

} // namespace cnnc::onnximport
