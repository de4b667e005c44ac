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

/// The same for a convolution host: its producers are convolutions of the same rows,
/// whose halo (two rows of a 3x3 one per chunk) is a larger share of each chunk than
/// under a pooling of stride 2, so fewer, larger chunks: one per core on this machine's
/// two (measured on resnet_stem, docs/benchmarks.md).
constexpr int64_t kConvHostRowChunks = 2;

/// Rows per parallel chunk of `host` (the group head's op; `tail` the stored node):
/// even for a convolution, whose Winograd tiles are pairs of rows.
int64_t hostRowsPerChunk(const Graph &graph, const OpDef &host, NodeId tail) {
  const int64_t rows = graph.nodes[tail].shape[2];
  if (host.computesProducerPerTile)
    return std::max<int64_t>(1, (rows + kRowChunks - 1) / kRowChunks);
  const int64_t chunk = (rows + kConvHostRowChunks - 1) / kConvHostRowChunks;
  return std::max<int64_t>(2, chunk + chunk % 2);
}

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

int powerOfTwoAtLeast(int64_t n) {
  int power = 1;
  while (power < n)
    power *= 2;
  return power;
}

class Planner {
public:
  Planner(const Graph &graph, const std::vector<bool> &foldedAway)
      : graph_(graph), foldedAway_(foldedAway), users_(graph.users()),
        isOutput_(graph.nodes.size()) {
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
    assignRegions();
    markUnboundedRows();
    placeInTiles();
    chooseWinograd();
    foldToRowsReadAtOnce();
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

  /// The rows of a group computed per tile that one iteration h of its host's row loop
  /// reads: stride * h + first .. stride * h + last (the host's own: its rows per
  /// iteration, hostStep).
  struct RowSpan {
    int64_t stride = 1, first = 0, last = 0;
    int64_t rows() const { return last - first + 1; }
  };

  /// One read of a tensor by a group: the group and the window it reads through (for
  /// a pointwise member, one row), with the rows moved by the pads in between.
  struct Read {
    NodeId group;
    AxisWindow window;
    int64_t shift = 0;
  };

  /// Groups computed per tile, consumers first (walking backwards): each joins the
  /// region (host and the groups computed per tile of it) that all its readers belong
  /// to, if it may (joinRegion); otherwise it is stored, and may host groups itself.
  void assignRegions() {
    span_.assign(graph_.nodes.size(), RowSpan{});
    depth_.assign(graph_.nodes.size(), 0);
    for (NodeId head = graph_.nodes.size(); head-- > 0;)
      if (plan_.groupOf[head] == head && !graph_.nodes[head].isInput())
        joinRegion(head);
  }

  /// Joins `head`'s group to its readers' region where: its weights stay in cache
  /// (weightsFitCache); every reader is in one region, whose host is a pooling or a
  /// convolution whose windows overlap from row to row (OpDef::computesProducerPerTile,
  /// hostsProducerRows); and, beyond the joins a pooling host always had (one reader, at
  /// most kMaxPlainDepth levels), the group reads no other tensor (readsOneTensor: its
  /// rows may then be computed past the tensor's ends, and a stored tensor it read
  /// would be live all the while anyway, as ResNet's residual operands) and the rows a
  /// chunk recomputes stay under kMaxRecomputedRows of the group's.
  void joinRegion(NodeId head) {
    const NodeId tail = plan_.tailOf[head];
    if (graph_.nodes[tail].shape.size() != 4 || !weightsFitCache(head))
      return;
    std::optional<std::vector<Read>> reads = readsOf(tail);
    if (!reads || reads->empty())
      return;
    std::optional<NodeId> host;
    int depth = 0;
    for (const Read &read : *reads) {
      const NodeId root = plan_.computedPerTileOf[read.group].value_or(read.group);
      if (host && *host != root)
        return;
      host = root;
      depth = std::max(depth, depth_[read.group] + 1);
    }
    const OpDef &hostOp = *graph_.nodes[*host].op;
    if (graph_.nodes[plan_.tailOf[*host]].shape.size() != 4 ||
        (!hostOp.computesProducerPerTile && !convolutionHosts(*host)) || depth > kMaxRegionDepth)
      return;
    // Under a host of one row per row, each iteration would ask a Winograd convolution
    // for one new row, and half of each pair's work would be thrown away: stored, it
    // keeps Winograd's (ResNet-50's bottleneck shape, bench/variants/bneck.cnn: 3x3
    // convolution per row of the 1x1 one 5.49 ms, stored by Winograd 5.03, one thread).
    if (!hostOp.computesProducerPerTile && readsRowPerRow(*host) &&
        (admitsWinograd(head) || depth > kMaxOneRowHostDepth))
      return;
    // A pooling with a producer of its own to host stays a host under a pooling (its
    // producer would be a level too deep to slide there, as before convolution hosts).
    if (hostOp.computesProducerPerTile && graph_.nodes[head].op->computesProducerPerTile &&
        hostsAProducer(head))
      return;
    const bool asBefore =
        hostOp.computesProducerPerTile && reads->size() == 1 && depth <= kMaxPlainDepth;
    if (!asBefore && !readsOneTensor(head))
      return;
    if (!asBefore && 4 * elementCount(graph_.nodes[tail].shape).value_or(0) < kMinJoinedBytes)
      return;
    std::optional<RowSpan> span = spanOf(*reads, *host);
    if (!span || (!asBefore && recomputedShare(*span, *host) > kMaxRecomputedRows))
      return;
    // A pooling that would host its producer joins only if the producer follows it
    // (else the producer, computed per tile of the pooling before, would be stored).
    if (!hostOp.computesProducerPerTile && graph_.nodes[head].op->computesProducerPerTile &&
        hostsAProducer(head) && !producerFollows(head, *span, *host, depth))
      return;
    plan_.computedPerTileOf[head] = host;
    plan_.tileReaderOf[head] = primaryReader(*reads, *host);
    span_[head] = *span;
    depth_[head] = depth;
  }

  /// Whether the convolution `host` may host its producers: OpDef::hostsProducerRows,
  /// and its windows overlap from row to row, or it reads one row per row (a 1x1
  /// convolution of stride 1). With windows of stride 2 and no overlap a producer's
  /// rows are each read once by a row, or skipped, and nothing is saved by keeping a
  /// few of them. A 1x1 convolution's producer computed per row is never stored
  /// whole and its rows are read while they are in cache: MobileNet-V2's projection
  /// then hosts the depthwise convolution and, sliding below it, the expansion, whose
  /// 144-channel tensors stored whole were larger than a core's L2 (that block 0.928
  /// ms stored, 0.807 ms so, one thread).
  bool convolutionHosts(NodeId host) const {
    const Node &node = graph_.nodes[host];
    const AxisWindow window = rowWindow(graph_, host);
    return node.op->hostsProducerRows && node.op->hostsProducerRows(node) &&
           (windowRows(window) > window.stride || readsRowPerRow(host));
  }

  /// Whether the convolution `host` reads one row of its input per row (1x1, stride 1).
  bool readsRowPerRow(NodeId host) const {
    const AxisWindow window = rowWindow(graph_, host);
    return windowRows(window) == 1 && window.stride == 1;
  }

  /// Whether the group that `pooling` would host (hostsAProducer) could join the
  /// region of `host` under it, were the pooling there with `span` at `depth`.
  bool producerFollows(NodeId pooling, const RowSpan &span, NodeId host, int depth) {
    NodeId current = graph_.nodes[pooling].operands[0];
    while (plan_.inlined[current])
      current = graph_.nodes[current].operands[0];
    const NodeId producer = *plan_.groupOf[current];
    std::optional<std::vector<Read>> reads = readsOf(current);
    if (!reads || depth + 1 > kMaxRegionDepth || !weightsFitCache(producer) ||
        !readsOneTensor(producer))
      return false;
    const RowSpan saved = span_[pooling];
    const std::optional<NodeId> savedHost = plan_.computedPerTileOf[pooling];
    span_[pooling] = span;
    plan_.computedPerTileOf[pooling] = host;
    std::optional<RowSpan> rows = spanOf(*reads, host);
    span_[pooling] = saved;
    plan_.computedPerTileOf[pooling] = savedHost;
    return rows && recomputedShare(*rows, host) <= kMaxRecomputedRows;
  }

  /// Whether the group that makes `head`'s first operand (through inlined layers) is
  /// read by `head` alone, and so could be computed per tile of it.
  bool hostsAProducer(NodeId head) const {
    NodeId current = graph_.nodes[head].operands[0];
    while (plan_.inlined[current] && !graph_.nodes[current].operands.empty())
      current = graph_.nodes[current].operands[0];
    std::optional<NodeId> producer = plan_.groupOf[current];
    if (!producer || graph_.nodes[*producer].isInput() || plan_.tailOf[*producer] != current)
      return false;
    std::optional<std::vector<Read>> reads = readsOf(current);
    return reads && !reads->empty() &&
           std::all_of(reads->begin(), reads->end(),
                       [&](const Read &read) { return read.group == head; });
  }

  /// The reader that names the group's place (--explain-schedule, the Winograd rules):
  /// a reader other than the host if there is one.
  static NodeId primaryReader(const std::vector<Read> &reads, NodeId host) {
    for (const Read &read : reads)
      if (read.group != host)
        return read.group;
    return host;
  }

  /// Every read of `tail`, following inlined layers (pads, which move the rows, and
  /// pointwise layers); none if the tail is an output, a read wraps around (circular
  /// padding needs the whole tensor), or a layer other than a group's head window or
  /// a pointwise layer reads it.
  std::optional<std::vector<Read>> readsOf(NodeId tail) const {
    std::vector<Read> reads;
    std::vector<std::pair<NodeId, int64_t>> pending = {{tail, 0}};
    while (!pending.empty()) {
      const auto [current, shift] = pending.back();
      pending.pop_back();
      if (isOutput_[current])
        return std::nullopt;
      for (NodeId user : users_[current]) {
        const Node &node = graph_.nodes[user];
        if (wrapsAround(graph_, user) || node.shape.size() != 4)
          return std::nullopt;
        const bool firstOperand = node.operands[0] == current;
        if (plan_.inlined[user]) {
          if (!node.op->pointwise && !node.op->foldsIntoConsumer)
            return std::nullopt;
          pending.push_back(
              {user, shift + (node.op->pointwise ? 0 : rowWindow(graph_, user).padBegin)});
          continue;
        }
        const NodeId group = *plan_.groupOf[user];
        if (node.op->pointwise)
          reads.push_back({group, AxisWindow{}, shift});
        else if (user == group && firstOperand && node.op->axisWindow)
          reads.push_back({group, rowWindow(graph_, user), shift});
        else
          return std::nullopt;
      }
    }
    return reads;
  }

  /// The rows one iteration of `host`'s row loop computes: a pair for a Winograd
  /// convolution (a row of tiles), else one.
  int64_t hostStep(NodeId host) const { return admitsWinograd(host) ? 2 : 1; }

  RowSpan spanOfGroup(NodeId group, NodeId host) const {
    if (group != host)
      return span_[group];
    return RowSpan{hostStep(host), 0, hostStep(host) - 1};
  }

  /// The rows `read` asks for of the tensor it reads, when its group computes `reader`.
  static RowSpan rowsThrough(const Read &read, const RowSpan &reader) {
    const AxisWindow &w = read.window;
    return RowSpan{reader.stride * w.stride, reader.first * w.stride - w.padBegin - read.shift,
                   reader.last * w.stride - w.padBegin + windowRows(w) - 1 - read.shift};
  }

  /// The union of the rows the reads ask for per host iteration; none if they move at
  /// different rates. `atOnce`: the rows they read at once, those their groups compute
  /// in the iteration read (rowsComputed).
  std::optional<RowSpan> spanOf(const std::vector<Read> &reads, NodeId host,
                                bool atOnce = false) const {
    std::optional<RowSpan> span;
    for (const Read &read : reads) {
      const RowSpan rows = rowsThrough(read, atOnce ? rowsComputed(read.group, host)
                                                    : spanOfGroup(read.group, host));
      if (span && span->stride != rows.stride)
        return std::nullopt;
      span = span ? RowSpan{rows.stride, std::min(span->first, rows.first),
                            std::max(span->last, rows.last)}
                  : rows;
    }
    return span;
  }

  /// The share of a group's rows that each chunk of the host computes a second time
  /// (its first iteration's rows beyond one iteration's worth: the halo).
  double recomputedShare(const RowSpan &span, NodeId host) const {
    const int64_t iterations =
        (hostRowsPerChunk(graph_, *graph_.nodes[host].op, plan_.tailOf[host]) + hostStep(host) -
         1) /
        hostStep(host);
    const int64_t extra = std::max<int64_t>(0, span.rows() - span.stride);
    return static_cast<double>(extra) / static_cast<double>(iterations * span.stride);
  }

  /// Whether `head` is a convolution the fused schedule would compute by Winograd's
  /// algorithm if it were stored.
  bool admitsWinograd(NodeId head) const {
    const Node &node = graph_.nodes[head];
    return !node.isInput() && node.op->admitsWinograd &&
           node.op->admitsWinograd(node, operandShapes(graph_, node)) &&
           winogradWeightsFit(4 * nodeParameters(graph_, node));
  }

  /// The placement of a group inside the chunks of its host. Sliding needs Halide to
  /// prove that the rows its readers need move monotonically with the row loop. Under
  /// a reader that itself slides, Halide 14 proves it only if the rows are an affine
  /// function of the loop, which a clamp (a boundary's) is not: the group must be
  /// unboundedRows and read through constant padding only, and the host must read the
  /// reader unclamped too, which only a convolution host does (a pooling host reading
  /// unclamped made Halide 14 reject the pipeline: "The folded storage dimension y of
  /// t3_conv3 was accessed out of order", random DAG 140016, and ResNet's pool1 over the
  /// stem). Otherwise it is computed per chunk (and so is whatever is computed per tile
  /// of it): its halo is recomputed once per chunk, not per row (sliding through a
  /// clamp computed more than that).
  /// Rows that do not overlap from one host iteration to the next (under a 2x2 pooling
  /// of stride 2) leave nothing to slide, and are computed per row.
  TilePlacement tilePlacement(NodeId head, NodeId host) const {
    const bool poolingHost = graph_.nodes[host].op->computesProducerPerTile;
    for (NodeId reader : readerGroups(head)) {
      if (reader == host)
        continue;
      if (plan_.placement[reader] == TilePlacement::PerChunk ||
          (plan_.placement[reader] == TilePlacement::Sliding &&
           (poolingHost || !readsRowsUnclamped(plan_.tailOf[head]))))
        return TilePlacement::PerChunk;
    }
    return span_[head].rows() > span_[head].stride ? TilePlacement::Sliding : TilePlacement::PerRow;
  }

  /// The groups that read `head`'s group.
  std::vector<NodeId> readerGroups(NodeId head) const {
    std::vector<NodeId> groups;
    if (std::optional<std::vector<Read>> reads = readsOf(plan_.tailOf[head]))
      for (const Read &read : *reads)
        if (std::find(groups.begin(), groups.end(), read.group) == groups.end())
          groups.push_back(read.group);
    return groups;
  }

  /// Whether `tail` may be read at rows that are an affine function of its readers':
  /// it is unboundedRows and no window reading it (through inlined layers) pads but by
  /// a constant.
  bool readsRowsUnclamped(NodeId tail) const {
    if (!plan_.unboundedRows[tail])
      return false;
    std::vector<NodeId> pending = {tail};
    while (!pending.empty()) {
      const NodeId current = pending.back();
      pending.pop_back();
      for (NodeId user : users_[current]) {
        const AxisWindow window = rowWindow(graph_, user);
        if (window.padMode != PadMode::Constant && (window.padBegin > 0 || window.padEnd > 0))
          return false;
        if (plan_.inlined[user])
          pending.push_back(user);
      }
    }
    return true;
  }

  /// FusionPlan::unboundedRows, in graph order (operands first).
  void markUnboundedRows() {
    plan_.unboundedRows.assign(graph_.nodes.size(), false);
    std::vector<bool> inTiles(graph_.nodes.size(), false);
    for (NodeId id = 0; id < graph_.nodes.size(); ++id) {
      const Node &node = graph_.nodes[id];
      if (node.isInput())
        continue;
      if (std::optional<NodeId> head = plan_.groupOf[id])
        inTiles[id] = plan_.computedPerTileOf[*head].has_value();
      else if (plan_.inlined[id])
        inTiles[id] = std::all_of(node.operands.begin(), node.operands.end(),
                                  [&](NodeId operand) { return inTiles[operand]; });
      if (!inTiles[id] || node.shape.size() != 4)
        continue;
      bool safe = true;
      for (size_t k = 0; k < node.operands.size(); ++k)
        safe = safe && (plan_.unboundedRows[node.operands[k]] || (k == 0 && padsFirstOperand(id)));
      plan_.unboundedRows[id] = safe;
    }
  }

  /// Whether `id` reads its first operand through padding (a boundary that clamps the
  /// rows it reads of a tensor defined on its extent only).
  bool padsFirstOperand(NodeId id) const {
    const Node &node = graph_.nodes[id];
    if (!node.op->axisWindow || graph_.nodes[node.operands[0]].shape.size() != 4)
      return false;
    const std::vector<Shape> shapes = operandShapes(graph_, node);
    for (SpatialAxis axis : {SpatialAxis::Height, SpatialAxis::Width}) {
      const AxisWindow window = node.op->axisWindow(node, shapes, 0, axis);
      if (window.padBegin > 0 || window.padEnd > 0)
        return true;
    }
    return false;
  }

  /// Where each group computed per tile goes in its host's loops, and for a sliding
  /// one the rows its storage is folded to (all the rows one host iteration reads,
  /// rounded up to a power of two: Halide 14 cannot bound the footprint itself, its
  /// automatic fold took 256 rows, more than the tensor; it checks the factor at run
  /// time and reports a too small one as an error); readers first (they come after
  /// what they read, so walk backwards).
  void placeInTiles() {
    plan_.unclampedRows.assign(graph_.nodes.size(), false);
    for (NodeId head = graph_.nodes.size(); head-- > 0;) {
      std::optional<NodeId> host = plan_.computedPerTileOf[head];
      if (plan_.groupOf[head] != head || !host)
        continue;
      plan_.placement[head] = tilePlacement(head, *host);
      if (plan_.placement[head] != TilePlacement::Sliding)
        continue;
      plan_.foldRows[head] = foldFor(span_[head].rows(), *host);
      for (NodeId reader : readerGroups(head))
        if (reader != *host && plan_.placement[reader] == TilePlacement::Sliding)
          markUnclampedReads(plan_.tailOf[head], reader);
    }
    // A host's read of a sliding group under which another slides: the rows of the
    // group below follow the group's, which must then follow the host's loop affinely
    // too (a clamp there left ResNet's pool1 and stem computed whole per row of tiles).
    for (NodeId head = 0; head < graph_.nodes.size(); ++head) {
      std::optional<NodeId> host = plan_.computedPerTileOf[head];
      if (plan_.groupOf[head] == head && host && plan_.placement[head] == TilePlacement::Sliding &&
          slidesProducers(head) && readsRowsUnclamped(plan_.tailOf[head]))
        markUnclampedReads(plan_.tailOf[head], *host);
    }
  }

  /// FusionPlan::unclampedRows on the way from `tail` to the group `reader`.
  void markUnclampedReads(NodeId tail, NodeId reader) {
    std::vector<NodeId> pending = {tail};
    while (!pending.empty()) {
      const NodeId current = pending.back();
      pending.pop_back();
      for (NodeId user : users_[current]) {
        if (plan_.inlined[user]) {
          plan_.unclampedRows[user] = true;
          pending.push_back(user);
        } else if (user == reader) {
          plan_.unclampedRows[user] = true;
        }
      }
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
    // Stored groups first: a host's choice sets its members' rows per iteration.
    for (NodeId head = 0; head < graph_.nodes.size(); ++head)
      if (plan_.groupOf[head] == head && !plan_.computedPerTileOf[head])
        plan_.winograd[head] = admitsWinograd(head);
    for (NodeId head = 0; head < graph_.nodes.size(); ++head) {
      std::optional<NodeId> host = plan_.computedPerTileOf[head];
      if (plan_.groupOf[head] != head || !host || !admitsWinograd(head))
        continue;
      const TilePlacement placement = plan_.placement[head];
      if (plan_.winograd[*host]) {
        chooseWinogradUnderWinograd(head);
        continue;
      }
      const NodeId reader = *plan_.tileReaderOf[head];
      if (reader != *host) {
        std::optional<int> offset = pairsSlidUnderReader(head, reader, *host);
        plan_.winograd[head] = offset.has_value();
        plan_.winogradRowOffset[head] = offset.value_or(0);
        continue;
      }
      // Per row, the rows a host row reads are its tiles' (a 2x2 pooling with a padding
      // of 1 reads rows 2h - 1 and 2h: tiles from odd rows; with even tiles each pooling
      // row asked for two tile rows, and the sliding group under them for six rows in a
      // fold of four, which Halide rejected: random DAG 180074). Sliding, each row
      // computes the next even pair.
      const int offset = placement == TilePlacement::PerRow
                             ? static_cast<int>((span_[head].first % 2 + 2) % 2)
                             : 0;
      plan_.winograd[head] = (placement == TilePlacement::PerRow ||
                              (placement == TilePlacement::Sliding && readsOneTensor(head))) &&
                             readsPairsOfRows(*host, plan_.tailOf[head], offset);
      plan_.winogradRowOffset[head] = plan_.winograd[head] ? offset : 0;
      // Aligned, the rows one host row reads grow by at most one.
      if (plan_.winograd[head] && plan_.placement[head] == TilePlacement::Sliding)
        plan_.foldRows[head] = powerOfTwoAtLeast(windowRows(rowWindow(graph_, *host)) + 1);
    }
  }

  /// A group computed per tile of a Winograd host (which computes a pair of rows per
  /// iteration): Winograd too where each iteration asks it for one new pair, from rows
  /// of one parity (ResNet's b1_conv1 under b1_conv2: host rows 2h, 2h + 1 read rows
  /// 2h - 1 .. 2h + 2, new each time 2h + 1, 2h + 2: tiles from odd rows), and it reads
  /// no other tensor (readsOneTensor: aligned, its first rows are read past the
  /// tensor's top).
  void chooseWinogradUnderWinograd(NodeId head) {
    const RowSpan &span = span_[head];
    const TilePlacement placement = plan_.placement[head];
    if (span.stride != 2 || placement == TilePlacement::PerChunk || !readsOneTensor(head))
      return;
    plan_.winograd[head] = true;
    plan_.winogradRowOffset[head] = static_cast<int>(((span.last + 1) % 2 + 2) % 2);
    if (placement == TilePlacement::Sliding)
      plan_.foldRows[head] = foldFor(span.rows() + 1, *plan_.computedPerTileOf[head]);
  }

  /// Under a convolution host, each sliding group's fold: the rows its readers read at
  /// once (spanOf with atOnce), with the rows that aligning its own Winograd pairs may add.
  /// That is fewer than the rows read per host iteration (span_) where a reader slides
  /// too, and so computes only its newest rows of those it reads: ResNet's stem, read
  /// by pool1 (6 rows per iteration of b1_conv2, 2 of them new), is read 5 rows at once,
  /// not 13 (Halide's sliding window rewinds the loop, so a chunk's first rows are
  /// computed in iterations of their own, none computing more than the newest rows).
  void foldToRowsReadAtOnce() {
    for (NodeId head = 0; head < graph_.nodes.size(); ++head) {
      const std::optional<NodeId> host = plan_.computedPerTileOf[head];
      if (plan_.groupOf[head] != head || !host || plan_.placement[head] != TilePlacement::Sliding ||
          graph_.nodes[*host].op->computesProducerPerTile)
        continue;
      const std::optional<std::vector<Read>> reads = readsOf(plan_.tailOf[head]);
      const std::optional<RowSpan> rows =
          reads ? spanOf(*reads, *host, /*atOnce=*/true) : std::nullopt;
      if (!rows || (plan_.winograd[head] && readBySlidingPairs(*reads, *host)))
        continue;
      int64_t first = rows->first, last = rows->last;
      if (plan_.winograd[head]) {
        // Computed in whole pairs: the pairs that hold the first and the last row.
        const int offset = plan_.winogradRowOffset[head];
        first = alignedPairEnd(first, offset) - 1;
        last = alignedPairEnd(last, offset);
      }
      plan_.foldRows[head] =
          std::min<int>(plan_.foldRows[head], static_cast<int>(last - first + 1));
    }
  }

  /// Whether a group other than `host` that slides in pairs of rows reads through
  /// `reads`: a Winograd one, or any under a Winograd host, which steps two rows per
  /// iteration. A Winograd group below such a one keeps the fold of its whole span:
  /// folded to the 4 rows read at once, Halide asked for 6 per iteration of the host
  /// (random DAG 220001: two Winograd convolutions sliding under a third; 300172: a 3x3
  /// pooling sliding between two; "The fold factor (4) of dimension y of t2_conv2 is too
  /// small ... (6)").
  bool readBySlidingPairs(const std::vector<Read> &reads, NodeId host) const {
    return std::any_of(reads.begin(), reads.end(), [&](const Read &read) {
      return read.group != host && plan_.placement[read.group] == TilePlacement::Sliding &&
             (plan_.winograd[read.group] || hostStep(host) > 1);
    });
  }

  /// The last row of the Winograd pair (from rows of `offset`'s parity) that holds `row`.
  static int64_t alignedPairEnd(int64_t row, int offset) {
    return ((row - offset) % 2 + 2) % 2 == 1 ? row : row + 1;
  }

  /// The rows of `group` computed in one iteration of `host`'s loop: its span, but of a
  /// group that slides only its newest rows (aligned to its pairs if it is Winograd's).
  RowSpan rowsComputed(NodeId group, NodeId host) const {
    const RowSpan span = spanOfGroup(group, host);
    if (group == host || plan_.placement[group] != TilePlacement::Sliding)
      return span;
    const int64_t last = plan_.winograd[group]
                             ? alignedPairEnd(span.last, plan_.winogradRowOffset[group])
                             : span.last;
    return RowSpan{span.stride, last - span.stride + 1, last};
  }

  /// The rows a sliding group's storage is folded to, for `rows` read per host
  /// iteration: a power of two under a pooling (the row index is then a mask), exactly
  /// `rows` under a convolution, whose regions are deeper and whose folded rows are
  /// most of its peak memory (ResNet's stem: 13 rows of 112 x 64 floats, not 16).
  int foldFor(int64_t rows, NodeId host) const {
    return graph_.nodes[host].op->computesProducerPerTile ? powerOfTwoAtLeast(rows)
                                                          : static_cast<int>(rows);
  }

  /// Whether a group slides under `head`'s.
  bool slidesProducers(NodeId head) const {
    for (NodeId other = 0; other < head; ++other)
      if (plan_.groupOf[other] == other && plan_.computedPerTileOf[other] &&
          plan_.placement[other] == TilePlacement::Sliding) {
        const std::vector<NodeId> readers = readerGroups(other);
        if (std::find(readers.begin(), readers.end(), head) != readers.end())
          return true;
      }
    return false;
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
  /// the rows any host row reads, aligned to pairs from rows of `offset`'s parity, stay
  /// inside `tail`: the last row read ends a pair. A row past the end would make the pointwise layers of the group read
  /// their other operands past theirs (a residual add under a ceil_mode pooling of an
  /// odd height).
  bool readsPairsOfRows(NodeId host, NodeId tail, int offset) const {
    const Node &hostNode = graph_.nodes[host];
    const Shape &read = graph_.nodes[hostNode.operands[0]].shape;
    const Shape &stored = graph_.nodes[tail].shape;
    const AxisWindow window = rowWindow(graph_, host);
    if (read != stored || window.stride != 2)
      return false;
    const int64_t lastRead = std::min(stored[2] - 1, (hostNode.shape[2] - 1) * window.stride -
                                                         window.padBegin + windowRows(window) - 1);
    return ((lastRead - offset) % 2 + 2) % 2 == 1;
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

  /// Levels of groups below a pooling host that join its region on the terms the
  /// fused schedule had before convolution hosts (one reader, other tensors read too).
  static constexpr int kMaxPlainDepth = 2;
  /// Levels of groups below any host.
  static constexpr int kMaxRegionDepth = 4;
  /// Levels below a host that reads one row per row (1x1): an inverted-residual block's
  /// depthwise convolution and expansion. One more, the block before's projection, made
  /// the rows below it fold to fewer than their readers ask for (torchvision's
  /// MobileNet-V2: "The fold factor (1) of dimension y of t14_features_2_conv_1_2 is too
  /// small", Halide stopping the run with a clean error).
  static constexpr int kMaxOneRowHostDepth = 2;
  /// The most of a group's rows its host's chunks may compute twice (joinRegion). A
  /// fifth: ResNet's stem and first block under b1_conv2 in 2 chunks recompute 16% of
  /// the stem's rows and 7% of b1_conv1's, and then never store either (VGG's pool1,
  /// which would recompute 29% of conv1_2 under pool2, stays stored).
  static constexpr double kMaxRecomputedRows = 0.2;
  /// The smallest tensor that joins a region beyond a pooling's plain joins: a smaller
  /// one stays in cache stored, so computing it per tile saves little memory and no
  /// time, and its halo costs time (a 149 KiB pooling joining a dilated convolution's
  /// region made that network 0.93x unfused, one thread).
  static constexpr int64_t kMinJoinedBytes = int64_t(256) << 10;

  const Graph &graph_;
  const std::vector<bool> &foldedAway_;
  std::vector<std::vector<NodeId>> users_;
  std::vector<bool> isOutput_;
  std::vector<RowSpan> span_; // per group computed per tile (assignRegions)
  std::vector<int> depth_;    // levels below the host, per group computed per tile
  FusionPlan plan_;
};

/// Output rows per parallel chunk of each host (hostRowsPerChunk).
std::vector<int> hostRowsPerTile(const Graph &graph, const FusionPlan &plan) {
  std::vector<int> rows(graph.nodes.size(), 0);
  for (NodeId head = 0; head < graph.nodes.size(); ++head) {
    std::optional<NodeId> host = plan.computedPerTileOf[head];
    if (plan.groupOf[head] != head || !host)
      continue;
    rows[*host] =
        static_cast<int>(hostRowsPerChunk(graph, *graph.nodes[*host].op, plan.tailOf[*host]));
  }
  return rows;
}

/// Whether `head` is a convolution hosting producers (`rowsPerTile`, hostRowsPerTile,
/// is set for hosts only). Its region's chunks each hold the folded rows of several
/// levels, all chunks in flight at once, and beside them a Winograd stage's transformed
/// input and products: those are then made per register block of tiles
/// (Tiling::winogradPerRegisterBlock), a quarter of the bytes. ResNet's stem and first
/// block at two threads: 1,777,796 -> 1,548,444 bytes of intermediates, 0.28 -> 0.24
/// of unfused's, one thread about 2% slower (AMD EPYC). Under a pooling, whose chunks
/// hold one producer's rows, they stay per column block: per register block
/// down_pool's convolution was 12% slower (the transformed weights are read once per
/// register block of tiles, not per column block).
bool isConvolutionHost(const Graph &graph, const std::vector<int> &rowsPerTile, NodeId head) {
  return rowsPerTile[head] > 0 && !graph.nodes[head].op->computesProducerPerTile;
}

/// Whether the group `head`, computed per tile, slides its padded input along the host's
/// rows (slideWindowInput): a depthwise convolution computed per row of a host that
/// reads it one row per row (a 1x1 convolution of stride 1), so that each host row asks
/// for the padded rows of one output row, the fold below. Under a pooling a row asks
/// for the rows of several.
bool slidesWindowInput(const Graph &graph, const FusionPlan &plan, NodeId head,
                       const StageFuncs &stage) {
  const std::optional<NodeId> host = plan.computedPerTileOf[head];
  if (!host || plan.placement[head] != TilePlacement::PerRow || plan.tileReaderOf[head] != host ||
      !stage.windowInputPerChannel || !stage.windowInput.defined() ||
      (stage.winograd && stage.winograd->defined()))
    return false;
  const AxisWindow hostWindow = rowWindow(graph, *host);
  return windowRows(hostWindow) == 1 && hostWindow.stride == 1;
}

/// A depthwise convolution computed per row of a host (a 1x1 convolution: MobileNet-V2's
/// projection) would make its padded input per row and block of channels
/// (scheduleInnerStage): the `windowRows` input rows of each output row, copied anew
/// for every row. Stored per chunk of the host and computed per host row, folded to the
/// rows one row reads, each padded row is made once instead (Halide's sliding window).
/// bench/variants/mbv2.cnn, builds alternating: one core 0.759-0.767 -> 0.704-0.706 ms
/// (oneDNN 0.676-0.693), two threads 0.438-0.443 -> 0.355-0.39; intermediates 162 ->
/// 306 KiB at one thread, 0.09 of unfused's. Returns the decision in words.
std::string slideWindowInput(const StageFuncs &stage, const TileLoops &loops, int64_t windowRows,
                             const std::string &host) {
  const int fold = powerOfTwoAtLeast(windowRows);
  Halide::Func(stage.windowInput)
      .store_at(loops.store)
      .compute_at(loops.compute)
      .fold_storage(lower::TensorVars::y(), fold);
  return ", padded input slid along " + host + "'s rows (" + std::to_string(fold) + " rows stored)";
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

std::vector<bool> storedAlone(const Graph &graph, const FusionPlan &plan) {
  const std::vector<int> rowsPerTile = hostRowsPerTile(graph, plan);
  std::vector<bool> alone(graph.nodes.size(), false);
  for (NodeId id = 0; id < graph.nodes.size(); ++id)
    alone[id] = plan.groupOf[id] == id && !plan.computedPerTileOf[id] && rowsPerTile[id] == 0;
  return alone;
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
                           network.nodeFuncs[head].paddingTapsSkipped,
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
      Tiling tiling = tilingFor(shape, target, 0);
      tiling.winogradPerRegisterBlock = isConvolutionHost(graph, rowsPerTile, *host);
      scheduleInnerStage(stage, shape, tiling, &blocks);
      if (slidesWindowInput(graph, plan, head, stage))
        blocks += slideWindowInput(stage, loops, windowRows(rowWindow(graph, head)),
                                   graph.nodes[*host].name);
      line += ": " +
              describePlacement(placement, graph.nodes[*host].name, rowsPerTile[*host],
                                plan.foldRows[head]) +
              ", never stored whole; " + blocks;
    } else {
      std::string blocks;
      Tiling tiling = tilingFor(shape, target, rowsPerTile[head]);
      tiling.winogradPerRegisterBlock = isConvolutionHost(graph, rowsPerTile, head);
      tileLoops[head] = scheduleStoredStage(stage, shape, tiling, &blocks);
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
