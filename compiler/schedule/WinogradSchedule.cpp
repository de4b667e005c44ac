// Loops of a Winograd F(2x2, 3x3) convolution stage.
#include "compiler/schedule/WinogradSchedule.h"

#include "compiler/lower/LowerHelpers.h"

namespace cnnc::schedule {

using lower::TensorVars;
using lower::WinogradVars;

namespace {

/// Pixels of a row whose tiles are transformed and multiplied together: the whole row
/// up to 64 pixels, else the widest even divisor of the width between 32 and 64 (56
/// for ResNet's and VGG's 112 and 224, 64 for 128 and 256), else 56 with the last
/// block shifted inwards. A block's transformed input and products are each
/// 16 x (pixels / 2) x channels floats: 114 KiB for 56 pixels by 64 channels, which a
/// core's L2 keeps while the products read them.
int64_t columnBlock(int64_t width) {
  if (width <= 64)
    return width;
  for (int64_t pixels = 64; pixels >= 32; pixels -= 2)
    if (width % pixels == 0)
      return pixels;
  return 56;
}

/// The register block of the products: `vectors` vectors of output channels by `tiles`
/// tiles, one accumulator each. Every input channel costs one vector load of
/// transformed weights per channel vector and one broadcast per tile. Measured on
/// ResNet's 56x56x64 convolution (one core, AVX-512, AMD EPYC, the whole stage):
/// 2 vectors x 7 tiles 0.70 ms, 4 x 4 0.74 ms, 4 x 7 0.79-0.87 ms, 2 x 14 1.08 ms.
struct ProductBlock {
  int vectors = 1;
  int tiles = 1;
};

ProductBlock productBlock(int64_t outChannels, int64_t tilesPerBlock, int lanes) {
  ProductBlock block;
  block.vectors = outChannels % (2 * lanes) == 0 ? 2 : 1;
  const int most = block.vectors == 2 ? 8 : 14;
  if (tilesPerBlock <= most) {
    block.tiles = static_cast<int>(tilesPerBlock);
    return block;
  }
  // The most tiles (down to 4) that divide the block's tiles; else 7 (or 14), the last
  // register block shifted inwards.
  block.tiles = most == 8 ? 7 : most;
  for (int tiles = most + 1; tiles-- > 4;)
    if (tilesPerBlock % tiles == 0) {
      block.tiles = tiles;
      break;
    }
  return block;
}

} // namespace

bool winogradWeightsFit(int64_t weightBytes) {
  return weightBytes / 9 * 16 <= kWinogradMaxWeightBytes;
}

namespace {
void scheduleWinograd(const StageFuncs &stage, const ir::Shape &shape, int lanes, bool parallel,
                      int chunkRows, bool perRegisterBlock, std::string *description);
const Halide::Var kChunkW("yc_w"), kTileRowW("yo_w");
} // namespace

void scheduleWinogradStage(const StageFuncs &stage, const ir::Shape &shape, int lanes,
                           bool parallel, bool perRegisterBlock, std::string *description) {
  scheduleWinograd(stage, shape, lanes, parallel, 0, perRegisterBlock, description);
}

TileLoops scheduleWinogradHost(const StageFuncs &stage, const ir::Shape &shape, int lanes,
                               int chunkRows, bool perRegisterBlock, std::string *description) {
  scheduleWinograd(stage, shape, lanes, true, chunkRows, perRegisterBlock, description);
  return {Halide::LoopLevel(stage.stored, kChunkW), Halide::LoopLevel(stage.stored, kTileRowW)};
}

namespace {
void scheduleWinograd(const StageFuncs &stage, const ir::Shape &shape, int lanes, bool parallel,
                      int chunkRows, bool perRegisterBlock, std::string *description) {
  // Vectors run across output channels (whole vectors: OpDef::admitsWinograd), except
  // in the copy-out and the input transform, which run across pixels and tiles: there
  // a row narrower than a vector takes the widest power of two that fits (rows of 2
  // pixels are a random network's).
  int pixelLanes = lanes;
  while (pixelLanes > 1 && pixelLanes > shape[3])
    pixelLanes /= 2;
  const Halide::Var &x = TensorVars::x(), &y = TensorVars::y(), &c = TensorVars::c(),
                    &n = TensorVars::n();
  const Halide::Var &tx = WinogradVars::tx(), &ty = WinogradVars::ty(), &ex = WinogradVars::ex(),
                    &ey = WinogradVars::ey(), &a = WinogradVars::a();
  lower::WinogradFuncs w = *stage.winograd; // Funcs are handles: copies schedule the same functions
  const int64_t width = shape[3], outChannels = shape[1];
  const int64_t pixels = columnBlock(width);
  // Tiles per block: an odd row (a whole row of at most 64 pixels) ends in half a tile.
  const ProductBlock block = productBlock(outChannels, (pixels + 1) / 2, lanes);

  // The stage: per row of tiles (two rows) and column block; inside, tiles of
  // `lanes` pixels by `lanes` channels copied out of the channels-innermost output
  // transform through register transposes, as StageSchedule's transposeOut.
  Halide::Func func = stage.stored;
  const Halide::Var &yo = kTileRowW, yi("yi_w"), xb("xb_w"), xr("xr_w"), xt("xt_w"), xl("xl_w"),
                    ct("ct_w"), cl("cl_w"), yr("yr_w");
  // A stored stage starts at row 0. Inside a host, aligning makes each computed
  // region whole pairs from a row of the tiles' parity (w.rowOffset), so the tiles'
  // rows never straddle a call; FusionPlan places Winograd only where each host row
  // asks for one new such pair (under a 2x2 pooling exactly that pair; sliding, the
  // next pair, and a chunk's first row one more). An odd height ends in a single row
  // (guarded, not shifted up: a 1-row output has no row above).
  if (!parallel)
    func.align_bounds(y, 2, w.rowOffset);
  // A host's chunks: even, so each chunk's tile rows start on an even row as the
  // stored stage's do.
  const Halide::Var &pairs = chunkRows > 0 ? yr : y;
  if (chunkRows > 0)
    func.split(y, kChunkW, yr, chunkRows, Halide::TailStrategy::GuardWithIf);
  func.split(pairs, yo, yi, 2, Halide::TailStrategy::GuardWithIf)
      .split(x, xb, xr, static_cast<int>(pixels))
      .split(xr, xt, xl, pixelLanes)
      .split(c, ct, cl, lanes)
      .vectorize(xl)
      .unroll(cl)
      .reorder(xl, cl, xt, ct, yi, xb, yo, n);
  if (chunkRows > 0)
    func.reorder(xl, cl, xt, ct, yi, xb, yo, kChunkW, n).parallel(kChunkW);
  else if (parallel)
    func.parallel(yo);
  Halide::Func(stage.accumulator)
      .in()
      .compute_at(func, xt)
      .reorder(c, x, y, n)
      .vectorize(c, lanes)
      .unroll(x);

  // Per block of tiles: the column sums (A^T along x), vectors across channels. Per
  // register block, the column sums' loop over those blocks is where the products,
  // the transformed input and its strip are computed, each for the block's tiles.
  const Halide::Var tbo("tbo_w"), tbi("tbi_w");
  w.columnSums.compute_at(func, xb).vectorize(c, lanes).unroll(a);
  if (perRegisterBlock)
    w.columnSums.split(tx, tbo, tbi, block.tiles).reorder(c, a, tbi, ey, tbo, ty, n);
  else
    w.columnSums.reorder(c, a, tx, ey, ty, n);
  const Halide::LoopLevel tiles =
      perRegisterBlock ? Halide::LoopLevel(w.columnSums, tbo) : Halide::LoopLevel(func, xb);

  // The products, stored per block; each register block of them accumulates over the
  // input channels in registers and is written once.
  const Halide::Var co("co_w"), cv("cv_w"), cvl("cvl_w"), txo("txo_w"), txi("txi_w");
  w.productTiles.compute_at(tiles)
      .split(c, co, cv, block.vectors * lanes)
      .split(cv, cv, cvl, lanes)
      .vectorize(cvl)
      .unroll(cv)
      .split(tx, txo, txi, block.tiles)
      .unroll(txi)
      .reorder(cvl, txi, cv, txo, co, ex, ey, ty, n);
  w.products.compute_at(w.productTiles, txo)
      .reorder(c, tx, ex, ey, ty, n)
      .vectorize(c, lanes)
      .unroll(c)
      .unroll(tx);
  const Halide::Var uv("uv_w"), ul("ul_w");
  w.products.update()
      .split(c, uv, ul, lanes)
      .vectorize(ul)
      .unroll(uv)
      .unroll(tx)
      .reorder(ul, tx, uv, w.products.rvars(0)[0], ex, ey, ty, n);

  // The transformed input tiles of the block and the padded strip they read, vectors
  // across tiles.
  // Per register block, vectors of the fewest lanes that cover its tiles (8 for 7).
  int tileLanes = pixelLanes;
  while (perRegisterBlock && tileLanes / 2 >= block.tiles)
    tileLanes /= 2;
  w.inputTiles.compute_at(tiles)
      .reorder(tx, ex, ey, c, ty, n)
      .vectorize(tx, tileLanes, Halide::TailStrategy::GuardWithIf)
      .unroll(ex)
      .unroll(ey);
  if (Halide::Func windowInput = stage.windowInput; windowInput.defined())
    windowInput.compute_at(tiles).vectorize(x, pixelLanes, Halide::TailStrategy::GuardWithIf);

  if (description)
    *description =
        std::string(chunkRows > 0
                        ? std::to_string(chunkRows) + "-row chunks in parallel, a row of tiles "
                                                      "at a time, "
                    : parallel ? "rows of tiles in parallel, "
                               : "") +
        "Winograd F(2x2, 3x3): per input channel 16 multiplies for 2x2 outputs "
        "instead of 36, over 4x4 input tiles" +
        (pixels < width ? " in blocks of " + std::to_string(pixels) + " pixels" : "") +
        (w.rowOffset ? ", tiles from odd rows" : "") + ", products in register blocks of " +
        std::to_string(block.tiles) + " tiles x " + std::to_string(block.vectors * lanes) +
        " channels" + (perRegisterBlock ? ", the input transformed per register block" : "");
}

} // namespace

} // namespace cnnc::schedule
