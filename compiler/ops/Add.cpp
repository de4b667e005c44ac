// add: element-wise sum of two tensors of identical shape (no broadcasting).
#include "compiler/ops/OpHelpers.h"
#include "compiler/ops/Ops.h"
#include "compiler/lower/LowerHelpers.h"

namespace cnnc::ops {

using namespace ir;

namespace {

std::optional<Attrs> buildAddAttrs(AttrReader &) { return std::monostate{}; }

std::optional<Shape> inferAddShape(const ShapeContext &context) {
  const Shape &a = context.inputs[0], &b = context.inputs[1];
  if (a == b)
    return a;
  context.diags.error(context.node.opLoc, "add needs operands of identical shape, found " +
                                              formatShape(a) + " and " + formatShape(b));
  return std::nullopt;
}

void referenceAdd(const RefContext &context) {
  const RefTensor &a = *context.inputs[0], &b = *context.inputs[1];
  for (size_t i = 0; i < a.data.size(); ++i)
    context.output.data[i] = a.data[i] + b.data[i];
}

int64_t addFlops(const Node &node, const std::vector<Shape> &) { return numel(node.shape); }


Halide::Func lowerAdd(const lower::LowerContext &context) {
  const std::vector<Halide::Var> args = lower::tensorArgs(context.inputs[0].shape.size());
  Halide::Func out = lower::newFunc(context);
  out(args) = context.inputs[0].func(args) + context.inputs[1].func(args);
  return out;
}

} // namespace

OpDef add() {
  OpDef def("add");
  def.summary = "element-wise a + b (identical shapes, no broadcasting)";
  def.torchEquivalent = "torch.add";
  def.minTensors = def.maxTensors = 2;
  def.buildAttrs = buildAddAttrs;
  def.inferShape = inferAddShape;
  def.reference = referenceAdd;
  def.flops = addFlops;
  def.lower = lowerAdd;
  def.pointwise = true;
  return def;
}

} // namespace cnnc::ops
