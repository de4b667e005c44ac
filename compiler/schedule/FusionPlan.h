// The fused schedule's grouping decisions, without Halide: `cnnc explain` draws them
// and tests check them from the graph alone. Fused.cpp computes and applies them.
#pragma once

#include "compiler/ir/Graph.h"

#include <optional>
#include <vector>

namespace cnnc::schedule {

/// How a group computed per chunk of its host's rows is placed in the chunk's loops
/// (the host's rows are split into parallel chunks, each run row by row).
enum class TilePlacement {
  /// Computed for each host row (inside the chunk's serial row loop), kept only for it.
  PerRow,
  /// Stored for the chunk, computed for each host row: Halide's sliding window then
  /// computes only the rows the previous host row did not, and the storage is folded to
  /// the rows one host row reads (FusionPlan::foldRows).
  Sliding,
  /// Computed for the whole chunk at once.
  PerChunk,
};

/// Which layers are computed together. A group is a chain: a head (usually a window
/// layer such as conv2d) and the pointwise layers that follow it one to one; only the
/// tail is stored, the head is computed per tile of the tail, the middle is inlined.
struct FusionPlan {
  std::vector<std::optional<ir::NodeId>> groupOf; // the group head of each member
  std::vector<ir::NodeId> tailOf;                 // per head: the group's stored node
  std::vector<bool> inlined;                      // folded into every consumer's loads
  /// Per head: the group whose tiles compute this whole group (pooling from conv tiles).
  std::vector<std::optional<ir::NodeId>> computedPerTileOf;
  /// Per head computed per tile: the group that reads it inside that tile (the host
  /// itself, or a group computed per tile of the host that reads this one).
  std::vector<std::optional<ir::NodeId>> tileReaderOf;
  /// Per head computed per tile: where in the host's loops (see TilePlacement), and for
  /// Sliding the rows its storage is folded to (a power of two).
  std::vector<TilePlacement> placement;
  std::vector<int> foldRows;
  /// Per head: computed by Winograd's F(2x2, 3x3) if the target allows it
  /// (winogradNodes): OpDef::admitsWinograd, and placed where whole 2-row tiles are
  /// computed (stored; per row of a pooling of stride 2 that reads it directly; or
  /// sliding under a convolution computed per row of such a pooling): Fused.cpp's
  /// chooseWinograd.
  std::vector<bool> winograd;
  /// Per Winograd head: the first row of its tiles modulo 2 (tiles cover rows 2t + offset
  /// and 2t + offset + 1). 1 where a sliding reader asks for pairs that start on odd rows
  /// (seed_pad's c3, read by c4 through a pad of 1).
  std::vector<int> winogradRowOffset;
  /// Per node: computed per tile of a host (a member of a group computed per tile, or
  /// inlined into one) and safe to evaluate at any row, because every tensor it reads
  /// that is not itself such a node is read through padding, which clamps the rows.
  /// Only such a node may be read unclamped (unclampedRows).
  std::vector<bool> unboundedRows;
  /// Per node: its padding reads its first operand's rows unclamped (LowerContext::
  /// unclampedRows), so that a producer sliding under a reader that itself slides moves
  /// with the host's row loop: the nodes between an unboundedRows group and a sliding
  /// group that reads it, the reader's head included, and under a convolution host the
  /// host's reads of such a sliding group.
  std::vector<bool> unclampedRows;
};

/// The fusion decisions, from the graph and the OpDefs' scheduling flags alone.
FusionPlan planFusion(const ir::Graph &graph, const std::vector<bool> &foldedAway);

/// The same, with the batch-norms the fused schedule's lowering folds away
/// (passes::planBatchNormFolds): the plan the fused schedule applies.
FusionPlan planFusion(const ir::Graph &graph);

/// Per node: a group head that the fused schedule stores whole outside any region,
/// neither computed per tile of a host nor hosting groups itself, so its stage runs its
/// own loops alone (scheduleStoredStage without row chunks).
std::vector<bool> storedAlone(const ir::Graph &graph, const FusionPlan &plan);

/// The f32 lanes below which the fused schedule computes nothing by Winograd's
/// algorithm (the register blocks were measured with AVX-512's 32 registers only).
constexpr int kWinogradMinLanes = 16;

/// The nodes the fused schedule computes by Winograd's algorithm (LowerOptions): those
/// of FusionPlan::winograd where vectors of `lanes` f32 are kWinogradMinLanes wide,
/// none otherwise.
std::vector<bool> winogradNodes(const ir::Graph &graph, int lanes);

} // namespace cnnc::schedule
