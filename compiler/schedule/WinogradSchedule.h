// The loops of a convolution computed by Winograd's F(2x2, 3x3) (lower::WinogradFuncs).
#pragma once

#include "compiler/schedule/StageSchedule.h"

#include <string>

namespace cnnc::schedule {

/// The most transformed weights (16/9 of the weights: 4x4 per kernel where it has 3x3)
/// a Winograd stage reads: every row of tiles reads all of them. Measured on 3x3
/// convolutions (one core, AVX-512, AMD EPYC, against the direct register blocks):
/// 4 MiB ones were faster (28x28x256: 2.45 against 4.3 ms; 14x14x256: 0.90 against
/// 1.05 ms), 16 MiB ones slower (14x14x512: 7.6 against 4.5 ms, and 5.5 ms with
/// channel blocks outermost, which read them once). The bound lies between the two.
constexpr int64_t kWinogradMaxWeightBytes = int64_t(6) << 20;
/// Whether a convolution with `weightBytes` of weights stays under
/// kWinogradMaxWeightBytes once transformed (a FusionPlan rule, kept beside the
/// schedule whose measurements set it).
bool winogradWeightsFit(int64_t weightBytes);

/// Schedules a Winograd stage: per pair of output rows (one row of tiles) and column
/// block, the padded input strip, the transformed input tiles, the products (in
/// register blocks of tiles by output-channel vectors) and the column sums are
/// computed into small buffers, and the stage copies the output transform out through
/// register transposes. Parallel over tile rows when `parallel` (a stored stage);
/// otherwise the caller has placed the stage inside a host's loops, which must ask for
/// whole tile rows (a 2x2 pooling of stride 2). `stage.stored` must already be bound
/// to the full width and channels. `lanes` is the width of the vectors across output
/// channels (lower::kChannelVectorBlock: the fused schedule asks for Winograd only on
/// 16-lane targets). `perRegisterBlock`: the transformed input, the products and the
/// padded strip per register block of the products' tiles instead of per column block
/// (a quarter of the buffers for a 56-pixel block; the transformed weights are then
/// read once per register block). `description` receives the decisions in words.
void scheduleWinogradStage(const StageFuncs &stage, const ir::Shape &shape, int lanes,
                           bool parallel, bool perRegisterBlock, std::string *description);

/// A stored Winograd stage that hosts producers (FusionPlan::computedPerTileOf): its
/// rows in parallel chunks of `chunkRows` (even), each run one tile row (a pair of
/// output rows) at a time. Returns where the producers go: stored per chunk, computed
/// per tile row.
TileLoops scheduleWinogradHost(const StageFuncs &stage, const ir::Shape &shape, int lanes,
                               int chunkRows, bool perRegisterBlock, std::string *description);

} // namespace cnnc::schedule
