// concat: torch.cat along one dimension.
#include "compiler/ops/OpHelpers.h"
#include "compiler/ops/Ops.h"
#include "compiler/lower/LowerHelpers.h"

namespace cnnc::ops {

using namespace ir;

namespace {

std::optional<Attrs> buildConcatAttrs(AttrReader &reader) {
  std::optional<int64_t> dim = reader.getInt("dim", 1, 0);
  if (!dim)
    return std::nullopt;
  return AxisAttrs{*dim};
}

std::optional<Shape> inferConcatShape(const ShapeContext &context) {
  const int64_t dim = std::get<AxisAttrs>(context.node.attrs).dim;
  Shape result = context.inputs[0];
  if (dim >= static_cast<int64_t>(result.size())) {
    context.diags.error(context.node.attrLoc("dim"),
                        "'dim' " + std::to_string(dim) + " is out of range for " +
                            std::to_string(result.size()) + "-D operands");
    return std::nullopt;
  }
  for (size_t i = 1; i < context.inputs.size(); ++i) {
    const Shape &next = context.inputs[i];
    bool fits = next.size() == result.size();
    for (size_t d = 0; fits && d < next.size(); ++d)
      fits = static_cast<int64_t>(d) == dim || next[d] == result[d];
    if (!fits) {
      context.diags.error(context.node.opLoc,
                          "concat needs equal sizes except on dim " + std::to_string(dim) +
                              ", found " + formatShape(context.inputs[0]) + " and " +
                              formatShape(next));
      return std::nullopt;
    }
    result[static_cast<size_t>(dim)] += next[static_cast<size_t>(dim)];
  }
  return result;
}

void referenceConcat(const RefContext &context) {
  const size_t dim = static_cast<size_t>(std::get<AxisAttrs>(context.node.attrs).dim);
  const Shape &outShape = context.output.shape;
  int64_t outer = 1, inner = 1;
  for (size_t d = 0; d < dim; ++d)
    outer *= outShape[d];
  for (size_t d = dim + 1; d < outShape.size(); ++d)
    inner *= outShape[d];
  size_t pos = 0;
  for (int64_t o = 0; o < outer; ++o)
    for (const RefTensor *in : context.inputs) {
      const int64_t chunk = in->shape[dim] * inner;
      for (int64_t i = 0; i < chunk; ++i)
        context.output.data[pos++] = in->data[static_cast<size_t>(o * chunk + i)];
    }
}

int64_t concatFlops(const Node &, const std::vector<Shape> &) { return 0; }

/// Along a spatial `dim`, output o reads operand k at o - (the extents of operands
/// before k); the outputs of the other operands do not read it at all.
AxisWindow concatAxisWindow(const Node &node, const std::vector<Shape> &inputs, size_t operand,
                            SpatialAxis axis) {
  const int64_t dim = std::get<AxisAttrs>(node.attrs).dim;
  AxisWindow window;
  if (inputs[operand].size() != 4 || dim != (axis == SpatialAxis::Height ? 2 : 3))
    return window;
  for (size_t k = 0; k < operand; ++k)
    window.padBegin += spatialExtent(inputs[k], axis);
  window.outsideIsAbsent = true;
  return window;
}

/// Each coordinate along `dim` reads the operand that covers it. Reads are clamped
/// into each operand's extent so bounds inference never asks an operand for more than
/// it has; the select discards the clamped values.
Halide::Func lowerConcat(const lower::LowerContext &context) {
  using lower::i32;
  const size_t dim = static_cast<size_t>(std::get<AxisAttrs>(context.node.attrs).dim);
  const size_t rank = context.inputs[0].shape.size();
  const std::vector<Halide::Var> args = lower::tensorArgs(rank);
  const size_t axis = rank - 1 - dim; // Halide's dimensions are reversed
  Halide::Expr value;
  int64_t offset = 0;
  for (const lower::LoweredTensor &in : context.inputs) {
    const int64_t extent = in.shape[dim];
    std::vector<Halide::Expr> at(args.begin(), args.end());
    at[axis] = Halide::clamp(args[axis] - i32(offset), 0, i32(extent - 1));
    Halide::Expr read = in.func(at);
    // The last operand whose range starts at or before the coordinate covers it.
    value = value.defined() ? Halide::select(args[axis] >= i32(offset), read, value) : read;
    offset += extent;
  }
  Halide::Func out = lower::newFunc(context);
  out(args) = value;
  return out;
}

} // namespace

OpDef concat() {
  OpDef def("concat");
  def.summary = "joins tensors along a dimension";
  def.torchEquivalent = "torch.cat";
  def.minTensors = 1;
  def.maxTensors = -1;
  def.attrs = {{"dim", "int, 0 to rank-1", "1"}};
  def.buildAttrs = buildConcatAttrs;
  def.inferShape = inferConcatShape;
  def.reference = referenceConcat;
  def.flops = concatFlops;
  def.axisWindow = concatAxisWindow;
  def.lower = lowerConcat;
  return def;
}

} // namespace cnnc::ops
