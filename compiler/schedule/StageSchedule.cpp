// Loop schedules for single stages.
#include "compiler/schedule/StageSchedule.h"

#include "compiler/lower/LowerHelpers.h"
#include "compiler/schedule/WinogradSchedule.h"

#include <algorithm>

namespace cnnc::schedule {

using lower::TensorVars;

int vectorWidthFor(const Halide::Target &target, int64_t innermostExtent) {
  int width = target.natural_vector_size(Halide::Float(32));
  while (width > 1 && width > innermostExtent)
    width /= 2;
  return width >= 4 ? width : 0;
}

namespace {

/// Whether blocks of two vectors across a row of `width` compute no more pixels than
/// blocks of one: the last block of a row is shifted inwards and recomputes what it
/// overlaps, so a row of 38 is 64 pixels in blocks of 32 and 48 in blocks of 16. Where
/// two vectors cost more pixels, one vector is faster even though each broadcast then
/// feeds half the FMAs: bench/variants/odd.cnn (rows of 77 and 38) 0.570 -> 0.459 ms,
/// odd24.cnn unfused 2.1-2.2 -> 1.7 ms (one core, AMD EPYC Zen 4); no convolution of
/// ../shared/nets changes.
bool twoVectorsPay(int64_t width, int vector) {
  const int64_t rest = width % (2 * vector);
  return rest == 0 || rest > vector;
}

} // namespace

Tiling tilingFor(const ir::Shape &shape, const Halide::Target &target, int rowsPerTile) {
  Tiling tiling;
  tiling.vector = vectorWidthFor(target, shape.back());
  if (tiling.vector >= 16 && shape.back() >= 2 * tiling.vector &&
      twoVectorsPay(shape.back(), tiling.vector))
    tiling.xVectors = 2;
  if (shape.size() == 4)
    tiling.rowsPerTile = rowsPerTile;
  return tiling;
}

namespace {

using lower::kCachedWeightBytes;

const Halide::Var kXo("xo"), kXi("xi"), kXv("xv"), kXl("xl"), kCo("co"), kCi("ci"),
    kYo("yo"), kYi("yi");

/// Splits x into blocks of `xVectors` vectors and c into channel blocks, and orders the
/// block innermost: lanes (vectorized), vectors of the block and channels (unrolled),
/// then xo followed by `outer`.
void blockPure(Halide::Func &func, const Tiling &tiling, std::vector<Halide::VarOrRVar> outer) {
  const Halide::Var &x = TensorVars::x(), &c = TensorVars::c();
  func.split(c, kCo, kCi, tiling.channelBlock).unroll(kCi);
  std::vector<Halide::VarOrRVar> order;
  if (tiling.vector) {
    func.split(x, kXo, kXi, tiling.vector * tiling.xVectors)
        .split(kXi, kXv, kXl, tiling.vector)
        .vectorize(kXl)
        .unroll(kXv);
    order = {kXl, kXv, kCi, kXo};
  } else {
    func.split(x, kXo, kXi, 1);
    order = {kXi, kCi, kXo};
  }
  order.insert(order.end(), outer.begin(), outer.end());
  func.reorder(order);
}

/// The accumulator of a block: vector of x by channel block, reduction loops outside
/// them, so every tap is one vector load, one broadcast per channel and FMAs into
/// registers.
void scheduleAccumulator(Halide::Func accumulator, Halide::Func owner, const Halide::Var &at,
                         const ir::Shape &shape, const Tiling &tiling) {
  if (!accumulator.defined())
    return;
  accumulator.compute_at(owner, at);
  if (shape.size() != 4) {
    if (tiling.vector)
      accumulator.vectorize(TensorVars::f()).update().vectorize(TensorVars::f());
    return;
  }
  const Halide::Var &x = TensorVars::x(), &y = TensorVars::y(), &c = TensorVars::c(),
                    &n = TensorVars::n();
  Halide::Var lanes("lanes"), vectors("vectors");
  accumulator.reorder(x, c, y, n).unroll(c);
  Halide::Stage update = accumulator.update();
  std::vector<Halide::VarOrRVar> order = {x, c};
  if (tiling.vector) {
    accumulator.vectorize(x, tiling.vector);
    update.split(x, vectors, lanes, tiling.vector).vectorize(lanes).unroll(vectors);
    order = {lanes, vectors, c};
  }
  for (const Halide::RVar &r : accumulator.rvars(0))
    order.push_back(r);
  order.insert(order.end(), {y, n});
  update.reorder(order).unroll(c);
}

/// The padded input strip a row of the stage reads: computed once per row, so the
/// convolution's inner loops read a plain buffer with no boundary checks.
void scheduleWindowInput(Halide::Func windowInput, Halide::Func owner, const Halide::Var &row,
                         const Tiling &tiling) {
  if (!windowInput.defined())
    return;
  windowInput.compute_at(owner, row);
  if (tiling.vector)
    windowInput.vectorize(TensorVars::x(), tiling.vector, Halide::TailStrategy::GuardWithIf)
        .align_storage(TensorVars::x(), tiling.vector);
}

void scheduleFeatures(Halide::Func func, Halide::Func accumulator, const ir::Shape &shape,
                      const Tiling &tiling, bool parallel) {
  const Halide::Var &f = TensorVars::f(), &n = TensorVars::n();
  Halide::Var fo("fo"), fi("fi");
  func.split(f, fo, fi, tiling.vector ? tiling.vector : 1);
  if (tiling.vector)
    func.vectorize(fi);
  if (parallel)
    func.parallel(n);
  scheduleAccumulator(accumulator, func, fo, shape, tiling);
}

/// The tiling of one stage: register blocks of the channels its weights are laid out
/// in. Register blocking pays for a reduction (each loaded value feeds many FMAs); a
/// stage without one (pointwise, pooling, a pad) is bound by memory, so one vector per
/// iteration does as well, and unrolling it over channels and vectors only makes code:
/// LLVM's time grows with it (MobileNetV2's unfused JIT compile).
Tiling stageTiling(const StageFuncs &stage, Tiling tiling) {
  if (!stage.accumulator.defined()) {
    tiling.channelBlock = 1;
    tiling.xVectors = 1;
    return tiling;
  }
  if (stage.channelBlock > 0)
    tiling.channelBlock = static_cast<int>(stage.channelBlock);
  tiling.channelVectors = tiling.channelBlock == lower::kChannelVectorBlock;
  return tiling;
}

/// The register block of a stage in words, for --explain-schedule.
std::string describeBlock(const StageFuncs &stage, const Tiling &tiling) {
  const std::string lanes = tiling.vector ? std::to_string(tiling.vector) : "1";
  if (!stage.accumulator.defined())
    return tiling.vector ? "vectorized x" + lanes : "not vectorized (rows too narrow)";
  return "register blocks of " + std::to_string(tiling.vector * tiling.xVectors) + " pixels x " +
         std::to_string(tiling.channelBlock) + " channels";
}

/// The accumulator of a convolution with vectors across output channels: computed per
/// `at` loop of `owner`, channels innermost in its storage and vectorized `lanes` wide.
void accumulateChannelsInnermost(Halide::Func accumulator, Halide::Func owner,
                                 const Halide::Var &at, int lanes) {
  const Halide::Var &x = TensorVars::x(), &y = TensorVars::y(), &c = TensorVars::c(),
                    &n = TensorVars::n();
  accumulator.compute_at(owner, at).reorder_storage(c, x, y, n).reorder(c, x, y, n).vectorize(c, lanes);
}

/// The pixels of a narrow row (scheduleChannelVectors) whose accumulators are held in
/// registers together: the row in at most two chunks of at most 16 pixels.
int narrowRowChunk(int64_t width) {
  return static_cast<int>(width <= lower::kChannelVectorBlock ? width : (width + 1) / 2);
}

/// The channel vectors of a narrow row's register block: two where a chunk has at most
/// 8 pixels (at most 16 accumulators), so each broadcast input value feeds two FMAs.
/// With one, each tap of a 7-pixel row is 8 loads for 7 FMAs. Measured on 3x3
/// convolutions at 7x7 (one core, AVX-512, AMD EPYC): 512 -> 512 channels 1.30 ms with
/// one vector, 1.07 with two (oneDNN 0.89-1.03); 256 -> 512 of stride 2 0.65 -> 0.52
/// (oneDNN 0.51); four vectors (28 accumulators) 2.38 ms; at 14x14 two vectors of 7
/// pixels were within the noise of one of 14, and two of 14 (28 accumulators) 1.7x
/// slower.
int narrowRowChannelVectors(const ir::Shape &shape, const Tiling &tiling) {
  const int chunk = narrowRowChunk(shape[3]);
  return chunk <= 8 && shape[1] % (2 * tiling.channelBlock) == 0 ? 2 : 1;
}

/// A stored convolution with vectors across output channels (narrow rows, see
/// lower::convChannelBlock): per channel block (parallel) and row, the accumulator
/// holds the row's pixels x 16 or 32 channels, channels innermost in its storage, and
/// every tap is a vector load of the block's weights per 16 channels, a broadcast per
/// pixel and FMAs into registers. Channel blocks are outermost, so a block's weights
/// stay in cache over all rows, and the padded input is made once for the stage.
void scheduleChannelVectors(const StageFuncs &stage, const ir::Shape &shape,
                            const Tiling &tiling) {
  const Halide::Var &x = TensorVars::x(), &y = TensorVars::y(), &c = TensorVars::c(),
                    &n = TensorVars::n();
  Halide::Func func = stage.stored;
  const int vectors = narrowRowChannelVectors(shape, tiling);
  // Channels that the blocks do not divide (a padded last block of weights): the last
  // block is guarded rather than shifted inwards, so every block starts on a block of
  // the weights and its accumulator, rounded up to whole vectors, loads them densely.
  func.split(c, kCo, kCi, tiling.channelBlock * vectors, Halide::TailStrategy::GuardWithIf)
      .reorder(x, kCi, y, kCo, n)
      .parallel(kCo);
  if (tiling.vector)
    func.vectorize(x, tiling.vector);
  Halide::Func accumulator = stage.accumulator;
  accumulateChannelsInnermost(accumulator, func, y, tiling.channelBlock);
  const Halide::Var xo("xo_acc"), xi("xi_acc"), cv("cv_acc"), cl("cl_acc");
  Halide::Stage update = accumulator.update();
  update.split(x, xo, xi, narrowRowChunk(shape[3]))
      .split(c, cv, cl, tiling.channelBlock)
      .vectorize(cl)
      .unroll(cv)
      .unroll(xi);
  std::vector<Halide::VarOrRVar> order = {cl, xi, cv};
  for (const Halide::RVar &r : accumulator.rvars(0))
    order.push_back(r);
  order.insert(order.end(), {xo, y, n});
  // The taps of a row are unrolled too, so that where the sum leaves out the taps that
  // read zero padding (LoweredTensor::paddingTapsSkipped) each unrolled pixel's test
  // is a constant.
  update.reorder(order).unroll(accumulator.rvars(0).front());
  if (Halide::Func windowInput = stage.windowInput; windowInput.defined()) {
    windowInput.compute_root().parallel(c);
    if (tiling.vector)
      windowInput.vectorize(x, tiling.vector, Halide::TailStrategy::GuardWithIf);
  }
}

/// The copy of a channels-innermost accumulator into the stage's x-innermost storage,
/// as 16x16 (one vector by one vector) transposes in registers: per tile of `lanes`
/// pixels by `lanes` channels, a wrapper of the accumulator is computed with dense
/// vector loads across channels and stored, pixel by pixel, with a stride of `lanes`
/// into a tile-sized buffer; Halide's store interleaving turns those strided stores
/// into one interleaving shuffle (a transpose) and a dense store (as in Halide's
/// test/performance/block_transpose), and the stage reads the tile with dense loads
/// across x. Read directly, each vector of x was a gather of 16 scalar loads: 3-5%
/// slower on ResNet's 56x56x64 and 7x7-stem convolutions and VGG's 112x112x128 (one
/// thread, same run).
void transposeOut(Halide::Func func, Halide::Func accumulator, int lanes) {
  const Halide::Var &x = TensorVars::x(), &y = TensorVars::y(), &c = TensorVars::c(),
                    &n = TensorVars::n();
  const Halide::Var xt("xt"), ct("ct"), xl("xl_t"), cl("cl_t");
  func.tile(x, c, xt, ct, xl, cl, lanes, lanes).vectorize(xl).unroll(cl);
  // The stage reads the accumulator through inlined functions (the convolution's
  // value, a batch-norm), so the wrapper replaces it for every caller.
  accumulator.in().compute_at(func, xt).reorder(c, x, y, n).vectorize(c, lanes).unroll(x);
}

/// The register block of a convolution with vectors across output channels over wide
/// rows: one vector of channels (16, the weight layout's block) by `pixels` pixels of
/// a row. Measured on ResNet's 56x56x64 3x3 convolution (one core, AVX-512): 14 pixels
/// ran 1.23 ms, 7-12 pixels 1.34-1.43 ms, 28 pixels (spilled accumulators) 1.56 ms,
/// and two or four vectors of channels by fewer pixels 1.29-2.3 ms; blocks of 32 x-pixels
/// by 8 channels, which this replaces there, 1.44 ms. The pixels are chosen in a range
/// around that best one to waste least at the row's end, where the last block is
/// shifted inwards and recomputes pixels (ResNet's and VGG's widths, multiples of 7 and
/// 14, waste nothing).
///
/// Kernels wider than 3 (ResNet's 7x7 stem) take two vectors of channels by at most 7
/// pixels where the channels allow: LLVM unrolls a 3-tap row of the kernel, so one
/// broadcast of an input value serves the neighbouring pixels' taps too, but not a
/// 7-tap row, and then every FMA of a 14-pixel block waits on a broadcast load of its
/// own; with two channel vectors each broadcast feeds two FMAs. Measured on the stem's
/// 7x7 stride-2 convolution of 3 channels (one core, AVX-512, AMD EPYC): 14 pixels x 16
/// channels 1.46-1.49 ms, 7 x 32 1.22-1.36 ms, 3 x 64 1.26-1.31 ms; on 3x3 convolutions
/// (VGG's 112x112x128, ResNet's 56x56x64, down_stride) 7 x 32 was 0-6% slower than 14 x 16.
struct ChannelVectorBlock {
  int channels = 0;
  int pixels = 0;
};

/// The extent of the innermost reduction loop of `accumulator` (a convolution's kernel
/// width), or 0 when it is not a constant.
int innermostReductionExtent(Halide::Func accumulator) {
  if (!accumulator.defined() || accumulator.num_update_definitions() == 0)
    return 0;
  // Func::rvars() names the loops without their extents; the definition has them.
  const std::vector<Halide::Internal::ReductionVariable> &rvars =
      accumulator.function().update(0).schedule().rvars();
  if (rvars.empty())
    return 0;
  const int64_t *extent = Halide::Internal::as_const_int(rvars[0].extent);
  return extent ? static_cast<int>(*extent) : 0;
}

ChannelVectorBlock channelVectorBlock(const ir::Shape &shape, const Tiling &tiling,
                                      int kernelWidth) {
  // AVX2 (8 lanes, 16 registers): two vectors per pixel, so fewer pixels.
  int most = tiling.vector >= 16 ? 14 : 6;
  int channels = static_cast<int>(lower::kChannelVectorBlock);
  if (tiling.vector >= 16 && kernelWidth > 3 && shape[1] % (2 * channels) == 0) {
    channels *= 2;
    most = 7;
  }
  const int64_t width = shape[3];
  ChannelVectorBlock block{channels, most};
  // Cost in FMA slots per row: pixels computed, plus about two slots per block for
  // its weight load and loop.
  int64_t best = -1;
  for (int pixels = most; 2 * pixels > most; --pixels) {
    const int64_t cost = (width + pixels - 1) / pixels * (pixels + 2);
    if (best < 0 || cost < best) {
      best = cost;
      block.pixels = pixels;
    }
  }
  return block;
}

/// A convolution over rows of at least two vectors with vectors across output channels
/// (lower::convChannelBlock): per row, the accumulator holds the row's pixels by all
/// channels, channels innermost in its storage, computed in register blocks of
/// ChannelVectorBlock; each tap of a block is one vector load of weights per channel
/// vector and one broadcast per pixel into FMAs. The stage then copies the row out
/// through register transposes (transposeOut). `row` is the loop the accumulator and
/// the padded input are computed at.
void scheduleChannelVectorRows(const StageFuncs &stage, const ir::Shape &shape,
                               const Tiling &tiling, const Halide::Var &row) {
  const Halide::Var &x = TensorVars::x(), &y = TensorVars::y(), &c = TensorVars::c(),
                    &n = TensorVars::n();
  const ChannelVectorBlock block =
      channelVectorBlock(shape, tiling, innermostReductionExtent(stage.accumulator));
  Halide::Func func = stage.stored;
  Halide::Func accumulator = stage.accumulator;
  transposeOut(func, accumulator, tiling.vector);
  accumulateChannelsInnermost(accumulator, func, row, tiling.vector);
  const Halide::Var cb("cb_acc"), cc("cc_acc"), cv("cv_acc"), cl("cl_acc"), xo("xo_acc"),
      xi("xi_acc");
  Halide::Stage update = accumulator.update();
  update.split(c, cb, cc, block.channels)
      .split(cc, cv, cl, tiling.vector)
      .vectorize(cl)
      .unroll(cv)
      .split(x, xo, xi, block.pixels)
      .unroll(xi);
  std::vector<Halide::VarOrRVar> order = {cl, xi, cv};
  for (const Halide::RVar &r : accumulator.rvars(0))
    order.push_back(r);
  order.insert(order.end(), {xo, cb, y, n});
  update.reorder(order);
  scheduleWindowInput(stage.windowInput, func, row, tiling);
}

/// In words, for --explain-schedule.
std::string describeChannelVectorRows(const StageFuncs &stage, const ir::Shape &shape,
                                      const Tiling &tiling) {
  const ChannelVectorBlock block =
      channelVectorBlock(shape, tiling, innermostReductionExtent(stage.accumulator));
  return "register blocks of " + std::to_string(block.pixels) + " pixels x " +
         std::to_string(block.channels) + " channels, vectors across channels";
}

/// Whether a stage takes scheduleChannelVectorRows (rows of at least two vectors;
/// narrower ones take scheduleChannelVectors when stored).
bool wideChannelVectors(const ir::Shape &shape, const Tiling &tiling) {
  return tiling.channelVectors && tiling.vector >= 8 && shape.size() == 4 &&
         shape[3] >= 2 * lower::kChannelVectorBlock;
}

/// Splits a stored stage's rows into parallel chunks of `rowsPerTile` rows, each run row
/// by row (the loops tileLoops names).
void splitRowChunks(Halide::Func func, const Tiling &tiling) {
  func.split(TensorVars::y(), kYo, kYi, tiling.rowsPerTile, Halide::TailStrategy::GuardWithIf);
}

/// Where producers computed per tile of a stored stage go: stored per parallel chunk of
/// rows, computed per row of it (a serial loop), so Halide's sliding window computes
/// each producer row once per chunk and folds the producer's storage to the few rows
/// a window reads. Without row chunks: per row, storage and all.
TileLoops tileLoops(const Halide::Func &func, const Tiling &tiling) {
  if (tiling.rowsPerTile > 0)
    return {Halide::LoopLevel(func, kYo), Halide::LoopLevel(func, kYi)};
  return {Halide::LoopLevel(func, TensorVars::y()), Halide::LoopLevel(func, TensorVars::y())};
}

} // namespace

void boundToShape(Halide::Func func, const ir::Shape &shape) {
  const std::vector<Halide::Var> args = lower::tensorArgs(shape.size());
  for (size_t d = 0; d < args.size(); ++d)
    func.bound(args[d], 0, lower::i32(shape[shape.size() - 1 - d]));
}

TileLoops scheduleStoredStage(const StageFuncs &stage, const ir::Shape &shape,
                              const Tiling &blocking, std::string *description) {
  const Tiling tiling = stageTiling(stage, blocking);
  Halide::Func func = stage.stored;
  func.compute_root();
  // The whole tensor, even where consumers read less (a strided window skipping the
  // last columns): the vector splits' ShiftInwards tails then stay inside it, never
  // reading an input before its first column.
  boundToShape(func, shape);
  if (shape.size() != 4) {
    scheduleFeatures(func, stage.accumulator, shape, tiling, /*parallel=*/true);
    if (description)
      *description = "parallel over the batch, " +
                     (tiling.vector ? "vectorized x" + std::to_string(tiling.vector) + " features"
                                    : std::string("not vectorized"));
    return {Halide::LoopLevel::root(), Halide::LoopLevel::root()};
  }
  const Halide::Var &y = TensorVars::y(), &n = TensorVars::n();
  if (stage.winograd && stage.winograd->defined()) {
    const int lanes = static_cast<int>(lower::kChannelVectorBlock);
    if (tiling.rowsPerTile > 0)
      return scheduleWinogradHost(stage, shape, lanes, tiling.rowsPerTile,
                                  tiling.winogradPerRegisterBlock, description);
    scheduleWinogradStage(stage, shape, lanes, /*parallel=*/true, tiling.winogradPerRegisterBlock,
                          description);
    return {Halide::LoopLevel::root(), Halide::LoopLevel::root()};
  }
  if (wideChannelVectors(shape, tiling)) {
    func.reorder(TensorVars::x(), TensorVars::c(), y, n);
    Halide::Var row = y;
    if (tiling.rowsPerTile > 0) {
      splitRowChunks(func, tiling);
      func.parallel(kYo);
      row = kYi;
    } else {
      func.parallel(y);
    }
    scheduleChannelVectorRows(stage, shape, tiling, row);
    if (description)
      *description = (tiling.rowsPerTile > 0
                          ? std::to_string(tiling.rowsPerTile) + "-row chunks in parallel, "
                          : std::string("rows in parallel, ")) +
                     describeChannelVectorRows(stage, shape, tiling);
    return tileLoops(func, tiling);
  }
  if (tiling.rowsPerTile > 0) {
    splitRowChunks(func, tiling);
    blockPure(func, tiling, {kCo, kYi, kYo, n});
    func.parallel(kYo);
    if (description)
      *description = std::to_string(tiling.rowsPerTile) + "-row chunks in parallel, " +
                     describeBlock(stage, tiling);
  } else if (tiling.channelVectors) {
    scheduleChannelVectors(stage, shape, tiling);
    if (description)
      *description = "vectors across " + std::to_string(tiling.channelBlock) +
                     " output channels (rows of " + std::to_string(shape[3]) +
                     " pixels, register blocks of " + std::to_string(narrowRowChunk(shape[3])) +
                     " pixels x " +
                     std::to_string(narrowRowChannelVectors(shape, tiling) * tiling.channelBlock) +
                     " channels), channel blocks in parallel" +
                     (stage.windowInput.defined() ? ", padded input made once" : "") +
                     (stage.paddingTapsSkipped ? ", taps reading zero padding left out" : "");
    return {Halide::LoopLevel(func, kCo), Halide::LoopLevel(func, kCo)};
  } else if (stage.weightBytes > kCachedWeightBytes) {
    // Deep layers (few pixels, many weights): rows inside channel blocks, so a block's
    // weights stay in cache for every row instead of streaming all weights per row
    // (ResNet-18's 7x7x512 convolutions ran 3x faster). The padded input is then
    // shared by every channel block, so it is made once for the stage.
    blockPure(func, tiling, {y, kCo, n});
    func.parallel(kCo);
    if (description)
      *description = "channel blocks outermost and in parallel (" +
                     std::to_string(stage.weightBytes / 1024) +
                     " KiB of weights, more than a core's cache share), " +
                     (stage.windowInput.defined() ? "padded input made once, " : "") +
                     describeBlock(stage, tiling);
    scheduleAccumulator(stage.accumulator, func, kXo, shape, tiling);
    if (Halide::Func windowInput = stage.windowInput; windowInput.defined()) {
      windowInput.compute_root().parallel(TensorVars::c());
      if (tiling.vector)
        windowInput.vectorize(TensorVars::x(), tiling.vector,
                                    Halide::TailStrategy::GuardWithIf);
    }
    return {Halide::LoopLevel(func, kCo), Halide::LoopLevel(func, kCo)};
  } else {
    blockPure(func, tiling, {kCo, y, n});
    func.parallel(y);
    if (description)
      *description = "rows in parallel, " + describeBlock(stage, tiling);
  }
  scheduleAccumulator(stage.accumulator, func, kXo, shape, tiling);
  // A depthwise convolution's padded input per row and block of channels: per row
  // only, the copy of three rows of every channel for each row is as much work as the
  // convolution itself and leaves L1 (MobileNet-V2's 144-channel 56x56 3x3 layer: 0.27
  // -> 0.20 ms, one core). A dense convolution's blocks all read every channel.
  const bool perBlock = stage.windowInputPerChannel && tiling.rowsPerTile == 0;
  if (perBlock && description && stage.windowInput.defined())
    *description += ", padded input per row and block of channels";
  scheduleWindowInput(stage.windowInput, func, perBlock ? kCo : tiling.rowsPerTile > 0 ? kYi : y,
                      tiling);
  return tileLoops(func, tiling);
}

void scheduleInnerStage(const StageFuncs &stage, const ir::Shape &shape, const Tiling &blocking,
                        std::string *description) {
  const Tiling tiling = stageTiling(stage, blocking);
  if (description)
    *description = describeBlock(stage, tiling);
  Halide::Func func = stage.stored;
  if (shape.size() != 4) {
    scheduleFeatures(func, stage.accumulator, shape, tiling, /*parallel=*/false);
    return;
  }
  // Whole rows and all channels per tile, for the reason scheduleStoredStage bounds
  // everything; the host's tile decides the rows.
  func.bound(TensorVars::x(), 0, lower::i32(shape[3])).bound(TensorVars::c(), 0, lower::i32(shape[1]));
  if (stage.winograd && stage.winograd->defined()) {
    scheduleWinogradStage(stage, shape, static_cast<int>(lower::kChannelVectorBlock),
                          /*parallel=*/false, tiling.winogradPerRegisterBlock, description);
    return;
  }
  if (wideChannelVectors(shape, tiling)) {
    func.reorder(TensorVars::x(), TensorVars::c(), TensorVars::y(), TensorVars::n());
    scheduleChannelVectorRows(stage, shape, tiling, TensorVars::y());
    if (description)
      *description = describeChannelVectorRows(stage, shape, tiling);
    return;
  }
  blockPure(func, tiling, {kCo, TensorVars::y(), TensorVars::n()});
  scheduleAccumulator(stage.accumulator, func, kXo, shape, tiling);
  // Per block of channels where that is a depthwise convolution's own input, as in
  // scheduleStoredStage.
  scheduleWindowInput(stage.windowInput, func,
                      stage.windowInputPerChannel ? kCo : TensorVars::y(), tiling);
}

void scheduleOutputs(const ir::Graph &graph, lower::LoweredNetwork &network) {
  for (size_t k = 0; k < graph.outputs.size(); ++k)
    boundToShape(network.outputs[k], graph.nodes[graph.outputs[k]].shape);
}

} // namespace cnnc::schedule
