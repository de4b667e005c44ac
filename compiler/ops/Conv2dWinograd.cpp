// conv2d by Winograd's F(2x2, 3x3). In one dimension, two outputs of a 3-tap filter g
// from four inputs d are
//   y = A^T [(G g) . (B^T d)],  B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1],
//   G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1],  A^T = [1 1 1 0; 0 1 -1 -1],
// four multiplies instead of six; nested over rows and columns, 16 instead of 36 per
// 2x2 tile and input channel. Every transform is a few additions, written out below
// with one `mux` entry per row of its matrix, so a schedule that unrolls the element
// variables (ex, ey, a) leaves no select behind; the last step, which picks a pixel's
// row and column inside its tile from y % 2 and x % 2, stays a select per pixel.
#include "compiler/ops/Conv2dWinograd.h"

#include "compiler/lower/LowerHelpers.h"

namespace cnnc::ops {

using lower::i32;
using lower::TensorVars;
using lower::WinogradVars;

bool admitsWinogradConv2d(const ir::Conv2dAttrs &attrs, const ir::Shape &input) {
  return attrs.kernel.h == 3 && attrs.kernel.w == 3 && attrs.stride.h == 1 && attrs.stride.w == 1 &&
         attrs.dilation.h == 1 && attrs.dilation.w == 1 && attrs.groups == 1 && input.size() == 4 &&
         input[1] >= kWinogradMinInChannels &&
         attrs.outChannels >= lower::kChannelVectorBlock;
}

namespace {

/// B^T d along one axis: the four rows of B^T applied to d0..d3.
std::vector<Halide::Expr> inputTransform(const Halide::Expr &d0, const Halide::Expr &d1,
                                         const Halide::Expr &d2, const Halide::Expr &d3) {
  return {d0 - d2, d1 + d2, d2 - d1, d1 - d3};
}

/// G g along one axis: the four rows of G applied to g0..g2.
std::vector<Halide::Expr> weightTransform(const Halide::Expr &g0, const Halide::Expr &g1,
                                          const Halide::Expr &g2) {
  return {g0, 0.5f * (g0 + g1 + g2), 0.5f * (g0 - g1 + g2), g2};
}

/// A^T m along one axis, for output `a` (0 or 1) of the pair.
Halide::Expr outputTransform(const Halide::Expr &a, const Halide::Expr &m0, const Halide::Expr &m1,
                             const Halide::Expr &m2, const Halide::Expr &m3) {
  return Halide::select(a == 0, m0 + m1 + m2, m1 - m2 - m3);
}

/// U(o, i, ex, ey) = G g G^T of the 3x3 kernel from input channel i to output channel
/// o, output channels innermost: a vector of output channels is one dense load.
Halide::Func transformedWeights(const lower::LowerContext &context, const Halide::Func &weight,
                                int64_t outChannels, int64_t inChannels) {
  const Halide::Var &ex = WinogradVars::ex(), &ey = WinogradVars::ey();
  const Halide::Var ky("ky"), i("i"), o("o");
  Halide::Func columns(context.funcName + "_wino_weight_columns");
  columns(ex, ky, i, o) = Halide::mux(
      ex, weightTransform(weight(0, ky, i, o), weight(1, ky, i, o), weight(2, ky, i, o)));
  Halide::Func transformed(context.funcName + "_wino_weights");
  transformed(o, i, ex, ey) = Halide::mux(
      ey, weightTransform(columns(ex, 0, i, o), columns(ex, 1, i, o), columns(ex, 2, i, o)));
  return context.preparation->prepare(transformed, {outChannels, inChannels, 4, 4});
}

} // namespace

Halide::Func lowerConv2dWinograd(const lower::LowerContext &context, const ir::Conv2dAttrs &attrs,
                                 const Halide::Func &input, const Halide::Func &weight,
                                 const Halide::Expr &bias) {
  const Halide::Var &x = TensorVars::x(), &y = TensorVars::y(), &c = TensorVars::c(),
                    &n = TensorVars::n();
  const Halide::Var &tx = WinogradVars::tx(), &ty = WinogradVars::ty(), &ex = WinogradVars::ex(),
                    &ey = WinogradVars::ey(), &a = WinogradVars::a();
  const int64_t inChannels = context.inputs[0].shape[1];
  lower::WinogradFuncs &w = *context.winogradFuncs;

  // V = B^T d B, d the 4x4 input block of tile (tx, ty): columns first, then rows.
  // With an odd output width (height), the last tile's second column (row) is past
  // the output and reads one input column (row) past the last the direct sum reads;
  // that read repeats the edge, so it stays inside what the padding defines, and the
  // output it feeds is never stored.
  const int64_t outHeight = context.node.shape[2], outWidth = context.node.shape[3];
  Halide::Func tileInput = input;
  if (outHeight % 2 != 0 || outWidth % 2 != 0)
    tileInput = Halide::BoundaryConditions::repeat_edge(
        input, {{-i32(attrs.padding.left), i32(outWidth + 2)},
                {-i32(attrs.padding.top), i32(outHeight + 2)}});
  // Tiles start on rows of w.rowOffset's parity (FusionPlan::winogradRowOffset).
  w.rowOffset = context.winogradRowOffset;
  const Halide::Expr x0 = 2 * tx - i32(attrs.padding.left);
  const Halide::Expr y0 = 2 * ty + w.rowOffset - i32(attrs.padding.top);
  Halide::Func columns(context.funcName + "_wino_columns");
  columns(tx, y, c, n, ex) =
      Halide::mux(ex, inputTransform(tileInput(x0, y, c, n), tileInput(x0 + 1, y, c, n),
                                     tileInput(x0 + 2, y, c, n), tileInput(x0 + 3, y, c, n)));
  // The rows a tile reads, clamped to those the direct sum reads (a no-op but for an
  // odd height's half tile, which repeat_edge above also clamps): under a host whose
  // rows slide (FusionPlan::winograd), the rows computed per host row are aligned to
  // pairs, and Halide 14's bounds of an aligned sliding window over the whole host
  // loop are loose (row 63 of a 34-row input); clamped, the rows this stage reads stay
  // inside its input even there.
  const Halide::Expr firstRow = -i32(attrs.padding.top), lastRow = i32(outHeight + 1) + firstRow;
  // Unless the schedule slides the input under this stage (LowerContext::unclampedRows).
  const bool clampRows = !context.unclampedRows;
  auto tileRow = [&](int k) {
    return clampRows ? Halide::clamp(y0 + k, firstRow, lastRow) : y0 + k;
  };
  w.inputTiles = Halide::Func(context.funcName + "_wino_in");
  w.inputTiles(tx, c, ex, ey, ty, n) =
      Halide::mux(ey, inputTransform(columns(tx, tileRow(0), c, n, ex), columns(tx, tileRow(1), c, n, ex),
                                     columns(tx, tileRow(2), c, n, ex), columns(tx, tileRow(3), c, n, ex)));

  // P = U . V summed over input channels, element by element of the 4x4 tiles.
  const Halide::Func u = transformedWeights(context, weight, attrs.outChannels, inChannels);
  Halide::RDom r(0, i32(inChannels), "r");
  w.products = Halide::Func(context.funcName + "_wino_acc");
  w.products(c, tx, ex, ey, ty, n) = 0.0f;
  w.products(c, tx, ex, ey, ty, n) += u(c, r, ex, ey) * w.inputTiles(tx, r, ex, ey, ty, n);
  w.productTiles = Halide::Func(context.funcName + "_wino_products");
  w.productTiles(c, tx, ex, ey, ty, n) = w.products(c, tx, ex, ey, ty, n);

  // Y = A^T P A: along x into Z, then along y per output row.
  const Halide::Func &m = w.productTiles;
  w.columnSums = Halide::Func(context.funcName + "_wino_out_columns");
  w.columnSums(c, tx, a, ey, ty, n) =
      outputTransform(a, m(c, tx, 0, ey, ty, n), m(c, tx, 1, ey, ty, n), m(c, tx, 2, ey, ty, n),
                      m(c, tx, 3, ey, ty, n));
  const Halide::Func &z = w.columnSums;
  const Halide::Expr column = x / 2, inTile = x % 2, row = (y - w.rowOffset) / 2;
  Halide::Func sum(context.funcName + "_acc");
  sum(x, y, c, n) =
      bias + outputTransform((y - w.rowOffset) % 2, z(c, column, inTile, 0, row, n),
                             z(c, column, inTile, 1, row, n), z(c, column, inTile, 2, row, n),
                             z(c, column, inTile, 3, row, n));
  *context.accumulator = sum;
  Halide::Func out = lower::newFunc(context);
  out(x, y, c, n) = sum(x, y, c, n);
  return out;
}

} // namespace cnnc::ops
