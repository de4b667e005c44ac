// Shared lowering pieces: tensor variables and PyTorch padding as Halide boundaries.
#include "compiler/lower/LowerHelpers.h"

#include <cassert>
#include <limits>

namespace cnnc::lower {

const Halide::Var &TensorVars::x() {
  static const Halide::Var var("x");
  return var;
}
const Halide::Var &TensorVars::y() {
  static const Halide::Var var("y");
  return var;
}
const Halide::Var &TensorVars::c() {
  static const Halide::Var var("c");
  return var;
}
const Halide::Var &TensorVars::n() {
  static const Halide::Var var("n");
  return var;
}
const Halide::Var &TensorVars::f() {
  static const Halide::Var var("f");
  return var;
}

std::vector<Halide::Var> tensorArgs(size_t rank) {
  if (rank == 2)
    return {TensorVars::f(), TensorVars::n()};
  assert(rank == 4 && "tensors are [N, C, H, W] or [N, F]");
  return {TensorVars::x(), TensorVars::y(), TensorVars::c(), TensorVars::n()};
}

Halide::Func withBoundary(const Halide::Func &source, ir::PadMode mode, float value, int64_t width,
                          int64_t height) {
  namespace BC = Halide::BoundaryConditions;
  const Halide::Region bounds = {{0, i32(width)}, {0, i32(height)}};
  switch (mode) {
  case ir::PadMode::Constant:
    return BC::constant_exterior(source, value, bounds);
  case ir::PadMode::Reflect:
    return BC::mirror_interior(source, bounds);
  case ir::PadMode::Replicate:
    return BC::repeat_edge(source, bounds);
  case ir::PadMode::Circular:
    return BC::repeat_image(source, bounds);
  }
  return source;
}

Halide::Func newFunc(const LowerContext &context) { return Halide::Func(context.funcName); }

Halide::Expr i32(int64_t value) {
  assert(value >= std::numeric_limits<int32_t>::min() &&
         value <= std::numeric_limits<int32_t>::max());
  return Halide::Expr(static_cast<int32_t>(value));
}

} // namespace cnnc::lower
