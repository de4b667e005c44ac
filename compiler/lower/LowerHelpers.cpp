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

const Halide::Var &WinogradVars::tx() {
  static const Halide::Var var("tx");
  return var;
}
const Halide::Var &WinogradVars::ty() {
  static const Halide::Var var("ty");
  return var;
}
const Halide::Var &WinogradVars::ex() {
  static const Halide::Var var("ex");
  return var;
}
const Halide::Var &WinogradVars::ey() {
  static const Halide::Var var("ey");
  return var;
}
const Halide::Var &WinogradVars::a() {
  static const Halide::Var var("a");
  return var;
}

std::vector<Halide::Var> tensorArgs(size_t rank) {
  if (rank == 2)
    return {TensorVars::f(), TensorVars::n()};
  assert(rank == 4 && "tensors are [N, C, H, W] or [N, F]");
  return {TensorVars::x(), TensorVars::y(), TensorVars::c(), TensorVars::n()};
}

namespace {

/// |v| as an int32 expression (Halide::abs returns an unsigned type).
Halide::Expr absolute(const Halide::Expr &v) { return Halide::max(v, -v); }

/// Where padded coordinate `i` reads from an axis of `size` under reflect or circular
/// padding, for |overhang| < size (PyTorch's limit on these modes, checked when the
/// graph is built). WindowGeometry's paddedSourceIndex is the same map on integers.
/// Written with one reflection and one wrap rather than Halide's mirror_interior and
/// repeat_image, whose `%` makes Halide 14 crash (SIGFPE while lowering) when the
/// period divides the vector width. The final clamp keeps any coordinate, even one
/// outside the padding, in bounds.
Halide::Expr reflectedIndex(const Halide::Expr &i, int64_t size) {
  Halide::Expr last = i32(size - 1);
  return Halide::clamp(last - absolute(last - absolute(i)), 0, last);
}

Halide::Expr wrappedIndex(const Halide::Expr &i, int64_t size) {
  Halide::Expr wrapped = Halide::select(i < 0, i + i32(size), i - i32(size));
  return Halide::clamp(wrapped, 0, i32(size - 1));
}

/// `source` read at `outside(i)` where i leaves [0, size) and at i (clamped, marked
/// likely so loop partitioning gives the interior a loop without the select) inside.
Halide::Expr paddedCoordinate(const Halide::Expr &i, int64_t size,
                              Halide::Expr (*outside)(const Halide::Expr &, int64_t)) {
  Halide::Expr inside = Halide::clamp(Halide::likely(i), 0, i32(size - 1));
  return Halide::select(i < 0 || i >= i32(size), outside(i, size), inside);
}

Halide::Func withIndexMap(const Halide::Func &source, int64_t width, int64_t height,
                          Halide::Expr (*outside)(const Halide::Expr &, int64_t)) {
  const std::vector<Halide::Var> args = tensorArgs(4);
  Halide::Func extended(Halide::Internal::unique_name(source.name() + "_padded"));
  extended(args) = source(paddedCoordinate(args[0], width, outside),
                          paddedCoordinate(args[1], height, outside), args[2], args[3]);
  return extended;
}

} // namespace

Halide::Func withBoundary(const Halide::Func &source, ir::PadMode mode, float value, int64_t width,
                          int64_t height) {
  namespace BC = Halide::BoundaryConditions;
  const Halide::Region bounds = {{0, i32(width)}, {0, i32(height)}};
  switch (mode) {
  case ir::PadMode::Constant:
    return BC::constant_exterior(source, value, bounds);
  case ir::PadMode::Reflect:
    return withIndexMap(source, width, height, reflectedIndex);
  case ir::PadMode::Replicate:
    return BC::repeat_edge(source, bounds);
  case ir::PadMode::Circular:
    return withIndexMap(source, width, height, wrappedIndex);
  }
  return source;
}

Halide::Func withBoundary(const LowerContext &context, const LoweredTensor &source,
                          ir::PadMode mode, float value) {
  const int64_t width = source.shape[3], height = source.shape[2];
  if (mode != ir::PadMode::Constant || !context.unclampedRows)
    return withBoundary(source.func, mode, value, width, height);
  // Columns clamped as constant_exterior does, rows read where asked.
  const std::vector<Halide::Var> args = tensorArgs(4);
  const Halide::Expr &x = args[0], &y = args[1];
  Halide::Func extended(Halide::Internal::unique_name(source.func.name() + "_padded"));
  const Halide::Expr inside = x >= 0 && x < i32(width) && y >= 0 && y < i32(height);
  extended(args) = Halide::select(
      inside, Halide::likely(source.func(Halide::clamp(x, 0, i32(width - 1)), y, args[2], args[3])),
      value);
  return extended;
}

int64_t convChannelBlock(int64_t outChannels, int64_t outWidth, int64_t groups, int64_t reduction,
                         int64_t weightBytes) {
  // Pixels blocks of two vectors across x would compute past the row's end.
  const int64_t xBlock = 2 * kChannelVectorBlock;
  const int64_t wasted = (outWidth + xBlock - 1) / xBlock * xBlock - outWidth;
  const bool wideRowPays = weightBytes <= kCachedWeightBytes && 20 * wasted > outWidth &&
                           reduction >= kMinChannelVectorReduction;
  if (groups == 1 && outChannels % kChannelVectorBlock == 0 && (outWidth < xBlock || wideRowPays))
    return kChannelVectorBlock;
  if (groups == 1 && outChannels >= kMinPaddedChannelVectors * kChannelVectorBlock &&
      outWidth < xBlock)
    return kChannelVectorBlock;
  for (int64_t block : {8, 4, 2})
    if (outChannels % block == 0)
      return block;
  return 1;
}

Halide::Func newFunc(const LowerContext &context) { return Halide::Func(context.funcName); }

Halide::Expr i32(int64_t value) {
  assert(value >= std::numeric_limits<int32_t>::min() &&
         value <= std::numeric_limits<int32_t>::max());
  return Halide::Expr(static_cast<int32_t>(value));
}

} // namespace cnnc::lower
