// Fusion decisions (planFusion) and their translation into Halide schedules.
#include "compiler/schedule/Fused.h"

#include "compiler/ir/Cost.h"
#include "compiler/ir/OpDef.h"
#include "compiler/lower/LowerHelpers.h"
#include "compiler/passes/FoldBatchNorm.h"
#include "compiler/schedule/StageSchedule.h"
#include "compiler/schedule/WinogradSchedule.h"

#include <algorithm>

namespace cnnc::schedule {

using namespace ir;

namespace {

/// The parallel chunks a host's rows are split into (hostRowsPerTile). Inside a chunk the
/// rows run in order and producers slide (TilePlacement), so a chunk recomputes only its
/// first row's halo and its buffers hold a few rows whatever its size: the count is
/// about load balance. 8 gives each of 2-4 threads several chunks, so a core stalled by
/// a neighbour delays one chunk's worth at most, while the halo stays small (VGG's
/// conv2_1 computes 16 rows for 14 per chunk of pool2). On vgg_head and resnet_stem (one
/// thread, loaded machine) 4, 8 and 16 were within the noise of each other.
constexpr int64_t kRowChunks = 8;

/// The vertical window through which `reader` (a group head) reads its first operand.
AxisWindow rowWindow(const Graph &graph, NodeId reader) {
  const Node &node = graph.nodes[reader];
  if (node.isInput() || !node.op->axisWindow)
    return AxisWindow{};
  return node.op->axisWindow(node, operandShapes(graph, node), 0, SpatialAxis::Height);
}

/// The rows one output row of a window reads.
int64_t windowRows(const AxisWindow &window) { return (window.kernel - 1) * window.dilation + 1; }

/// Whether `node` reads rows from the far end of its input (circular padding, as a
/// conv2d's padding_mode or a pad layer): the rows one of its rows needs then span the
/// whole tensor, so a producer computed per chunk of a host would be computed whole
/// for every chunk. Such a producer is stored instead.
bool wrapsAround(const Graph &graph, NodeId node) {
  const AxisWindow window = rowWindow(graph, node);
  return window.padMode == PadMode::Circular && (window.padBegin > 0 || window.padEnd > 0);
}

/// Whether `reader` reads rows that overlap from one output row to the next (a window
/// taller than its stride): only then does sliding save work.
bool readsOverlappingRows(const Graph &graph, NodeId reader) {
  const AxisWindow window = rowWindow(graph, reader);
  return windowRows(window) > window.stride;
}

int powerOfTwoAtLeast(int64_t n) {
  int power = 1;
  while (power < n)
    power *= 2;
  return power;
}

/// The rows of a sliding group that one host row reads, rounded up to a power of two:
/// its storage is folded to that many rows. Halide 14 cannot bound the footprint itself
/// (its automatic fold took 256 rows, more than the tensor), so the schedule says it;
/// Halide checks the factor at run time and reports a too small one as an error.
int slidingFoldRows(const Graph &graph, NodeId reader, bool readerIsHost, NodeId host) {
  const AxisWindow readerWindow = rowWindow(graph, reader);
  int64_t rows = windowRows(readerWindow);
  if (!readerIsHost) // the reader computes the rows one host row reads
    rows += (windowRows(rowWindow(graph, host)) - 1) * readerWindow.stride;
  return powerOfTwoAtLeast(rows);
}

/// The placement of a group read by `reader` inside the chunks of a host. Sliding needs
/// Halide to prove that the rows a reader needs move monotonically with the row loop,
/// which Halide 14 cannot prove for the reads of a reader that itself slides (its rows
/// then depend on whether the row is the chunk's first), so the second of two sliding
/// levels is computed per chunk instead: its halo is recomputed once per chunk, not per
/// row. A reader whose windows do not overlap (a 2x2 pooling of stride 2) leaves
/// nothing to slide, and the rows it needs are computed per row.
TilePlacement tilePlacement(const Graph &graph, NodeId reader, bool readerIsHost,
                            TilePlacement readerPlacement) {
  if (!readerIsHost && readerPlacement != TilePlacement::PerRow)
    return TilePlacement::PerChunk;
  return readsOverlappingRows(graph, reader) ? TilePlacement::Sliding : TilePlacement::PerRow;
}

class Planner {
public:
  Planner(const Graph &graph, const std::vector<bool> &foldedAway)
      : graph_(graph), foldedAway_(foldedAway), users_(graph.users()),
        isOutput_(graph.nodes.size()), isHost_(graph.nodes.size()) {
    for (NodeId id : graph.outputs)
      isOutput_[id] = true;
    plan_.groupOf.resize(graph.nodes.size());
    plan_.tailOf.resize(graph.nodes.size());
    plan_.inlined.assign(graph.nodes.size(), false);
    plan_.computedPerTileOf.resize(graph.nodes.size());
    plan_.tileReaderOf.resize(graph.nodes.size());
    plan_.placement.assign(graph.nodes.size(), TilePlacement::PerRow);
    plan_.foldRows.assign(graph.nodes.size(), 0);
    plan_.winograd.assign(graph.nodes.size(), false);
    plan_.winogradRowOffset.assign(graph.nodes.size(), 0);
  }

  FusionPlan run() {
    for (NodeId id = 0; id < graph_.nodes.size(); ++id)
      if (!graph_.nodes[id].isInput())
        place(id);
    for (NodeId id = 0; id < graph_.nodes.size(); ++id)
      if (plan_.groupOf[id] == id && weightsFitCache(id)) {
        plan_.computedPerTileOf[id] = tileConsumer(plan_.tailOf[id]);
        plan_.tileReaderOf[id] = plan_.computedPerTileOf[id];
      }
    storeHosts();
    tileProducerChains();
    placeInTiles();
    chooseWinograd();
    return plan_;
  }

private:
  /// The operand whose group this node extends, if any: a group's current tail
  /// that feeds only this node and is not an output.
  std::optional<NodeId> extendableOperand(NodeId id) const {
    for (NodeId operand : graph_.nodes[id].operands) {
      std::optional<NodeId> head = plan_.groupOf[operand];
      if (head && plan_.tailOf[*head] == operand && users_[operand].size() == 1 &&
          !isOutput_[operand])
        return operand;
    }
    return std::nullopt;
  }

  void place(NodeId id) {
    const OpDef &op = *graph_.nodes[id].op;
    const bool singleUse = users_[id].size() == 1 && !isOutput_[id];
    // A pad reads its producer at shifted coordinates, so it never joins a group (the
    // group's accumulator tiles must line up with the stored tail's).
    if (op.foldsIntoConsumer) {
      if (isOutput_[id]) {
        plan_.groupOf[id] = id;
        plan_.tailOf[id] = id;
      } else {
        plan_.inlined[id] = true;
      }
      return;
    }
    std::optional<NodeId> operand;
    if (op.pointwise || foldedAway_[id])
      operand = extendableOperand(id);
    if (operand) {
      plan_.groupOf[id] = plan_.groupOf[*operand];
      plan_.tailOf[*plan_.groupOf[id]] = id;
      return;
    }
    if (op.pointwise && singleUse) {
      plan_.inlined[id] = true;
      return;
    }
    plan_.groupOf[id] = id;
    plan_.tailOf[id] = id;
  }

  /// Whether a group's weights stay in a core's cache share (lower::kCachedWeightBytes)
  /// while it runs. A group computed per row of a host reads all its weights for every
  /// row, so one with more is stored instead, where its loops keep a block of channels'
  /// weights in cache over all rows: VGG-16's 512-channel layers at 28x28 and 14x14
  /// (9 MiB of weights), computed per row of their pooling, made the network 0.74x
  /// oneDNN (one thread).
  bool weightsFitCache(NodeId head) const {
    return 4 * nodeParameters(graph_, graph_.nodes[head]) <= lower::kCachedWeightBytes;
  }

  /// The pooling group that reads `tail` (through inlined layers only), if the tail
  /// can be computed per tile of it.
  std::optional<NodeId> tileConsumer(NodeId tail) const {
    NodeId current = tail;
    while (users_[current].size() == 1 && !isOutput_[current]) {
      NodeId user = users_[current][0];
      if (wrapsAround(graph_, user))
        return std::nullopt;
      if (plan_.inlined[user]) {
        current = user;
        continue;
      }
      if (graph_.nodes[tail].shape.size() == 4 && plan_.groupOf[user] == user &&
          graph_.nodes[user].op->computesProducerPerTile)
        return user;
      return std::nullopt;
    }
    return std::nullopt;
  }

  /// A host is stored: its chunks are the loops its producers are computed in, so it is
  /// not itself computed per tile of another host (a pooling reading a pooling).
  void storeHosts() {
    for (NodeId head = 0; head < graph_.nodes.size(); ++head)
      if (plan_.computedPerTileOf[head])
        isHost_[*plan_.computedPerTileOf[head]] = true;
    for (NodeId head = 0; head < graph_.nodes.size(); ++head)
      if (isHost_[head]) {
        plan_.computedPerTileOf[head].reset();
        plan_.tileReaderOf[head].reset();
      }
  }

  /// A group whose only reader is computed per tile of a host is computed per tile of
  /// that host too, so a convolution feeding a convolution feeding a pooling is never
  /// stored whole either (VGG's conv1_1, 12.8 MB at 224x224); placeInTiles decides
  /// where in the host's chunks. Up to kMaxTiledDepth groups per host: below two levels
  /// Halide 14 slides neither, so every further level would be computed per chunk with
  /// its halo growing. Consumers come after producers, so walking backwards sees a
  /// reader's decision first.
  void tileProducerChains() {
    std::vector<int> depth(graph_.nodes.size(), 0);
    for (NodeId head = 0; head < graph_.nodes.size(); ++head)
      if (plan_.computedPerTileOf[head])
        depth[head] = 1;
    for (NodeId head = graph_.nodes.size(); head-- > 0;) {
      if (plan_.groupOf[head] != head || plan_.computedPerTileOf[head] || isHost_[head] ||
          !weightsFitCache(head))
        continue;
      std::optional<NodeId> reader = soleReaderGroup(plan_.tailOf[head]);
      if (!reader || !plan_.computedPerTileOf[*reader] || depth[*reader] >= kMaxTiledDepth)
        continue;
      plan_.computedPerTileOf[head] = plan_.computedPerTileOf[*reader];
      plan_.tileReaderOf[head] = *reader;
      depth[head] = depth[*reader] + 1;
    }
  }

  /// Where each group computed per tile goes in its host's loops; readers first (they
  /// come after what they read, so walk backwards).
  void placeInTiles() {
    for (NodeId head = graph_.nodes.size(); head-- > 0;) {
      std::optional<NodeId> host = plan_.computedPerTileOf[head];
      if (plan_.groupOf[head] != head || !host)
        continue;
      const NodeId reader = *plan_.tileReaderOf[head];
      plan_.placement[head] =
          tilePlacement(graph_, reader, reader == *host, plan_.placement[reader]);
      if (plan_.placement[head] == TilePlacement::Sliding)
        plan_.foldRows[head] = slidingFoldRows(graph_, reader, reader == *host, *host);
    }
  }

  /// Winograd's F(2x2, 3x3) computes two rows at a time, so a group takes it where it
  /// is computed in whole pairs of rows from an even one: stored, or per row of a host
  /// that reads it directly (no pad in between, which would shift the rows by its top)
  /// with a stride of 2 rows. The schedule aligns the rows a host row asks for to
  /// pairs: under a 2x2 pooling that adds none; under a 3x3 pooling of stride 2 that
  /// slides (ResNet's shape), each row computes the next pair, and a chunk's first row
  /// one pair more than it reads (readsPairsOfRows: the last row asked for must end a
  /// pair). A group sliding under a convolution computed per row of such a host gets a
  /// new pair per host row too, possibly from odd rows (pairsSlidUnderReader). Under a
  /// host of stride 1 each row would ask for one new row, and half of each pair's work
  /// would be thrown away. Each row of tiles
  /// reads all the transformed weights, so they must be few enough
  /// (kWinogradMaxWeightBytes: not VGG-16's and ResNet-18's 512-channel layers).
  void chooseWinograd() {
    for (NodeId head = 0; head < graph_.nodes.size(); ++head) {
      const Node &node = graph_.nodes[head];
      if (plan_.groupOf[head] != head || node.isInput() || !node.op->admitsWinograd ||
          !node.op->admitsWinograd(node, operandShapes(graph_, node)) ||
          !winogradWeightsFit(4 * nodeParameters(graph_, node)))
        continue;
      std::optional<NodeId> host = plan_.computedPerTileOf[head];
      if (!host) {
        plan_.winograd[head] = true;
        continue;
      }
      const TilePlacement placement = plan_.placement[head];
      const NodeId reader = *plan_.tileReaderOf[head];
      if (reader != *host) {
        std::optional<int> offset = pairsSlidUnderReader(head, reader, *host);
        plan_.winograd[head] = offset.has_value();
        plan_.winogradRowOffset[head] = offset.value_or(0);
        continue;
      }
      plan_.winograd[head] = (placement == TilePlacement::PerRow ||
                              (placement == TilePlacement::Sliding && readsOneTensor(head))) &&
                             readsPairsOfRows(*host, plan_.tailOf[head]);
      // Aligned, the rows one host row reads grow by at most one.
      if (plan_.winograd[head] && plan_.placement[head] == TilePlacement::Sliding)
        plan_.foldRows[head] = powerOfTwoAtLeast(windowRows(rowWindow(graph_, *host)) + 1);
    }
  }

  /// Whether the group of `head` reads no tensor but the head's input (no residual
  /// add). Halide 14 bounds the rows of an aligned sliding window over the whole host
  /// loop loosely (row 61 of a 32-row tensor), and a tensor the group reads must hold
  /// the rows bounded; the Winograd stage clamps its own reads (Conv2dWinograd.cpp),
  /// a pointwise layer's reads are not clamped.
  bool readsOneTensor(NodeId head) const {
    for (NodeId id = head + 1; id < graph_.nodes.size(); ++id)
      if (plan_.groupOf[id] == head && graph_.nodes[id].operands.size() > 1)
        return false;
    return true;
  }

  /// For a group sliding under a reader that is computed per row of a host of stride 2
  /// (seed_pad's c3 under c4 under a 2x2 pooling), with a row stride of 1: each host row
  /// moves the rows the reader computes on by two, and so the rows this group must
  /// compute, by a pair whose first row has the same parity every time. Returns that
  /// parity (the tiles' row offset), or nothing. Rows asked for past either end of the
  /// tensor are computed and never read: the Winograd stage clamps its own reads, and
  /// readsOneTensor keeps any other read out.
  std::optional<int> pairsSlidUnderReader(NodeId head, NodeId reader, NodeId host) const {
    const AxisWindow hostWindow = rowWindow(graph_, host);
    const AxisWindow readerWindow = rowWindow(graph_, reader);
    std::optional<int64_t> top = rowsShiftedBefore(plan_.tailOf[head], reader);
    if (plan_.placement[head] != TilePlacement::Sliding || !readsOneTensor(head) ||
        plan_.placement[reader] != TilePlacement::PerRow || hostWindow.stride != 2 ||
        readerWindow.stride != 1 || !top)
      return std::nullopt;
    // The last row of the group that host row 0 makes the reader read.
    const int64_t readerLast = -hostWindow.padBegin + windowRows(hostWindow) - 1;
    const int64_t last = readerLast - *top + windowRows(readerWindow) - 1;
    return static_cast<int>(((last - 1) % 2 + 2) % 2);
  }

  /// The rows by which the layers from `tail` up to the group head `reader` move a row
  /// down: the top padding of the pads in between and of the reader's own window, if
  /// only pads and pointwise layers are in between.
  std::optional<int64_t> rowsShiftedBefore(NodeId tail, NodeId reader) const {
    int64_t top = 0;
    NodeId current = tail;
    while (users_[current].size() == 1) {
      const NodeId user = users_[current][0];
      const Node &node = graph_.nodes[user];
      if (user == reader)
        return top + rowWindow(graph_, reader).padBegin;
      if (!plan_.inlined[user] || !(node.op->pointwise || node.op->foldsIntoConsumer))
        return std::nullopt;
      top += rowWindow(graph_, user).padBegin;
      current = user;
    }
    return std::nullopt;
  }

  /// Whether each row of `host` moves the rows it reads of `tail` on by one pair, and
  /// the rows any host row reads, aligned to pairs, stay inside `tail`: the last row
  /// read is odd. A row past the end would make the pointwise layers of the group read
  /// their other operands past theirs (a residual add under a ceil_mode pooling of an
  /// odd height).
  bool readsPairsOfRows(NodeId host, NodeId tail) const {
    const Node &hostNode = graph_.nodes[host];
    const Shape &read = graph_.nodes[hostNode.operands[0]].shape;
    const Shape &stored = graph_.nodes[tail].shape;
    const AxisWindow window = rowWindow(graph_, host);
    if (read != stored || window.stride != 2)
      return false;
    const int64_t lastRead = std::min(stored[2] - 1, (hostNode.shape[2] - 1) * window.stride -
                                                         window.padBegin + windowRows(window) - 1);
    return lastRead % 2 == 1;
  }

  /// The group that alone reads `tail` (through inlined layers such as a pad), if any.
  std::optional<NodeId> soleReaderGroup(NodeId tail) const {
    if (graph_.nodes[tail].shape.size() != 4)
      return std::nullopt;
    NodeId current = tail;
    while (users_[current].size() == 1 && !isOutput_[current]) {
      NodeId user = users_[current][0];
      if (wrapsAround(graph_, user))
        return std::nullopt;
      if (!plan_.inlined[user])
        return plan_.groupOf[user];
      current = user;
    }
    return std::nullopt;
  }

  static constexpr int kMaxTiledDepth = 2;

  const Graph &graph_;
  const std::vector<bool> &foldedAway_;
  std::vector<std::vector<NodeId>> users_;
  std::vector<bool> isOutput_;
  std::vector<bool> isHost_;
  FusionPlan plan_;
};

/// Output rows per parallel chunk of each host: the host's rows in kRowChunks chunks.
std::vector<int> hostRowsPerTile(const Graph &graph, const FusionPlan &plan) {
  std::vector<int> rows(graph.nodes.size(), 0);
  for (NodeId head = 0; head < graph.nodes.size(); ++head) {
    std::optional<NodeId> host = plan.computedPerTileOf[head];
    if (plan.groupOf[head] != head || !host)
      continue;
    const int64_t hostRows = graph.nodes[plan.tailOf[*host]].shape[2];
    rows[*host] = static_cast<int>(std::max<int64_t>(1, (hostRows + kRowChunks - 1) / kRowChunks));
  }
  return rows;
}

/// In words, for --explain-schedule.
std::string describePlacement(TilePlacement placement, const std::string &host, int chunkRows,
                              int foldRows) {
  const std::string chunk = std::to_string(chunkRows) + "-row chunk";
  switch (placement) {
  case TilePlacement::PerRow:
    return "computed per row of " + host + " (the rows that row reads), in " + chunk + "s";
  case TilePlacement::Sliding:
    return "computed per row of " + host + " by a sliding window: each row once per " + chunk +
           ", " + std::to_string(foldRows) + " rows stored";
  case TilePlacement::PerChunk:
    return "computed per " + chunk + " of " + host + " at once";
  }
  return "";
}

std::string memberNames(const Graph &graph, const FusionPlan &plan, NodeId head) {
  std::string names;
  for (NodeId id = head; id < graph.nodes.size(); ++id)
    if (plan.groupOf[id] == head)
      names += (names.empty() ? "" : " + ") + graph.nodes[id].name;
  return names;
}

} // namespace

FusionPlan planFusion(const Graph &graph, const std::vector<bool> &foldedAway) {
  return Planner(graph, foldedAway).run();
}

FusionPlan planFusion(const Graph &graph) {
  std::vector<bool> foldedAway(graph.nodes.size());
  const std::vector<std::optional<NodeId>> folds = passes::planBatchNormFolds(graph);
  for (NodeId id = 0; id < graph.nodes.size(); ++id)
    foldedAway[id] = folds[id].has_value();
  return planFusion(graph, foldedAway);
}

std::vector<bool> winogradNodes(const Graph &graph, int lanes) {
  if (lanes < kWinogradMinLanes)
    return {};
  return planFusion(graph).winograd;
}

std::vector<std::string> scheduleFused(const Graph &graph, lower::LoweredNetwork &network,
                                       const Halide::Target &target) {
  const FusionPlan plan = planFusion(graph, network.foldedAway);
  // Groups that other groups are computed inside are split into chunks of rows.
  const std::vector<int> rowsPerTile = hostRowsPerTile(graph, plan);
  std::vector<TileLoops> tileLoops(graph.nodes.size(),
                                   {Halide::LoopLevel::root(), Halide::LoopLevel::root()});
  std::vector<std::string> decisions;
  // Hosts first, then readers before what they read (a consumer comes after its
  // producers, so walk backwards).
  for (NodeId head = graph.nodes.size(); head-- > 0;) {
    if (plan.groupOf[head] != head)
      continue;
    const NodeId tail = plan.tailOf[head];
    const Shape &shape = graph.nodes[tail].shape;
    Halide::Func tailFunc = network.nodeFuncs[tail].func;
    const StageFuncs stage{tailFunc,
                           network.nodeFuncs[head].accumulator,
                           network.nodeFuncs[head].windowInput,
                           4 * nodeParameters(graph, graph.nodes[head]),
                           network.nodeFuncs[head].channelBlock,
                           network.nodeFuncs[head].windowInputPerChannel,
                           &network.nodeFuncs[head].winograd};
    std::string line = memberNames(graph, plan, head);
    if (std::optional<NodeId> host = plan.computedPerTileOf[head]) {
      const TilePlacement placement = plan.placement[head];
      const TileLoops &loops = tileLoops[*host];
      tailFunc.store_at(placement == TilePlacement::PerRow ? loops.compute : loops.store)
          .compute_at(placement == TilePlacement::PerChunk ? loops.store : loops.compute);
      if (placement == TilePlacement::Sliding)
        tailFunc.fold_storage(lower::TensorVars::y(), plan.foldRows[head]);
      std::string blocks;
      scheduleInnerStage(stage, shape, tilingFor(shape, target, 0), &blocks);
      line += ": " +
              describePlacement(placement, graph.nodes[*host].name, rowsPerTile[*host],
                                plan.foldRows[head]) +
              ", never stored whole; " + blocks;
    } else {
      std::string blocks;
      tileLoops[head] = scheduleStoredStage(
          stage, shape, tilingFor(shape, target, rowsPerTile[head]), &blocks);
      line += ": one stage, stored; " + blocks;
    }
    decisions.push_back(line);
  }
  std::reverse(decisions.begin(), decisions.end());
  for (NodeId id = 0; id < graph.nodes.size(); ++id)
    if (plan.inlined[id])
      decisions.push_back(graph.nodes[id].name + ": inlined into its consumers (never stored)");
  scheduleOutputs(graph, network);
  return decisions;
}

} // namespace cnnc::schedule
