// Backward propagation: one row window and one column window per layer and operand.
#include "compiler/explain/Influence.h"

#include "compiler/explain/LayerWindows.h"

#include <algorithm>

namespace cnnc::explain {

using namespace ir;

namespace {

using SourceLists = std::vector<std::vector<int64_t>>;

/// Per output position along one axis: the operand positions whose values it reads,
/// padded coordinates resolved to the positions they copy.
SourceLists sourcesPerOutput(const AxisWindow &window, int64_t outExtent, int64_t inExtent) {
  SourceLists sources(static_cast<size_t>(outExtent));
  for (int64_t o = 0; o < outExtent; ++o)
    for (int64_t t = 0; t < window.kernel; ++t) {
      const int64_t u = windowTap(window, o, t);
      if (!isTapRead(window, u, inExtent))
        continue;
      if (std::optional<int64_t> source = paddedSourceIndex(window.padMode, u, inExtent))
        sources[static_cast<size_t>(o)].push_back(*source);
    }
  return sources;
}

/// Marks the operand positions that the marked output positions read. Row by row, so
/// a window that reads a whole axis costs H*(W + H*W) and not H*W*H*W.
void markOperand(const std::vector<char> &outMarks, const SourceLists &rows,
                 const SourceLists &cols, int64_t inWidth, std::vector<char> &inMarks) {
  const size_t outWidth = cols.size();
  std::vector<char> colMask(static_cast<size_t>(inWidth));
  for (size_t y = 0; y < rows.size(); ++y) {
    std::fill(colMask.begin(), colMask.end(), 0);
    bool any = false;
    for (size_t x = 0; x < outWidth; ++x) {
      if (!outMarks[y * outWidth + x])
        continue;
      any = true;
      for (int64_t c : cols[x])
        colMask[static_cast<size_t>(c)] = 1;
    }
    if (!any)
      continue;
    for (int64_t r : rows[y])
      for (int64_t c = 0; c < inWidth; ++c)
        inMarks[static_cast<size_t>(r * inWidth + c)] |= colMask[static_cast<size_t>(c)];
  }
}

IdleCount countMarks(const std::vector<char> &marks, int64_t height, int64_t width) {
  IdleCount count;
  count.positions = std::count(marks.begin(), marks.end(), 0);
  for (int64_t y = 0; y < height; ++y) {
    auto row = marks.begin() + y * width;
    count.rows += std::none_of(row, row + width, [](char c) { return c; });
  }
  for (int64_t x = 0; x < width; ++x) {
    bool used = false;
    for (int64_t y = 0; y < height && !used; ++y)
      used = marks[static_cast<size_t>(y * width + x)];
    count.cols += !used;
  }
  return count;
}

/// The per-axis approximation of influentialPositions, for huge tensors.
std::vector<IdleCount> countIdlePerAxis(const Graph &graph) {
  std::vector<std::array<std::vector<char>, 2>> marks(graph.nodes.size());
  for (NodeId id = 0; id < graph.nodes.size(); ++id)
    for (size_t a = 0; a < kAxes.size(); ++a)
      marks[id][a].assign(static_cast<size_t>(nodeExtent(graph, id, kAxes[a])), 0);
  for (NodeId id : graph.outputs)
    for (auto &axis : marks[id])
      std::fill(axis.begin(), axis.end(), 1);
  for (NodeId id = graph.nodes.size(); id-- > 0;) {
    const Node &node = graph.nodes[id];
    for (size_t operand = 0; !node.isInput() && operand < node.operands.size(); ++operand) {
      const NodeId source = node.operands[operand];
      for (size_t a = 0; a < kAxes.size(); ++a) {
        const SourceLists sources =
            sourcesPerOutput(operandWindow(graph, node, operand, kAxes[a]),
                             nodeExtent(graph, id, kAxes[a]), nodeExtent(graph, source, kAxes[a]));
        for (size_t o = 0; o < sources.size(); ++o)
          if (marks[id][a][o])
            for (int64_t s : sources[o])
              marks[source][a][static_cast<size_t>(s)] = 1;
      }
    }
  }
  std::vector<IdleCount> counts(graph.nodes.size());
  for (NodeId id = 0; id < graph.nodes.size(); ++id) {
    const int64_t usedRows = std::count(marks[id][0].begin(), marks[id][0].end(), 1);
    const int64_t usedCols = std::count(marks[id][1].begin(), marks[id][1].end(), 1);
    const int64_t height = int64_t(marks[id][0].size()), width = int64_t(marks[id][1].size());
    counts[id] = {height * width - usedRows * usedCols, height - usedRows, width - usedCols, false};
  }
  return counts;
}

} // namespace

std::vector<IdleCount> countIdlePositions(const Graph &graph) {
  int64_t total = 0;
  for (NodeId id = 0; id < graph.nodes.size(); ++id)
    total += nodeExtent(graph, id, kAxes[0]) * nodeExtent(graph, id, kAxes[1]);
  if (total > kExactIdleLimit)
    return countIdlePerAxis(graph);
  const std::vector<std::vector<char>> marks = influentialPositions(graph);
  std::vector<IdleCount> counts;
  for (NodeId id = 0; id < graph.nodes.size(); ++id)
    counts.push_back(
        countMarks(marks[id], nodeExtent(graph, id, kAxes[0]), nodeExtent(graph, id, kAxes[1])));
  return counts;
}

std::vector<std::vector<char>> influentialPositions(const Graph &graph) {
  std::vector<std::vector<char>> marks(graph.nodes.size());
  for (NodeId id = 0; id < graph.nodes.size(); ++id)
    marks[id].assign(
        static_cast<size_t>(nodeExtent(graph, id, kAxes[0]) * nodeExtent(graph, id, kAxes[1])), 0);
  for (NodeId id : graph.outputs)
    std::fill(marks[id].begin(), marks[id].end(), 1);
  for (NodeId id = graph.nodes.size(); id-- > 0;) {
    const Node &node = graph.nodes[id];
    if (node.isInput() ||
        std::none_of(marks[id].begin(), marks[id].end(), [](char c) { return c; }))
      continue;
    for (size_t operand = 0; operand < node.operands.size(); ++operand) {
      const NodeId source = node.operands[operand];
      const int64_t inHeight = nodeExtent(graph, source, kAxes[0]);
      const int64_t inWidth = nodeExtent(graph, source, kAxes[1]);
      SourceLists rows = sourcesPerOutput(operandWindow(graph, node, operand, kAxes[0]),
                                          nodeExtent(graph, id, kAxes[0]), inHeight);
      SourceLists cols = sourcesPerOutput(operandWindow(graph, node, operand, kAxes[1]),
                                          nodeExtent(graph, id, kAxes[1]), inWidth);
      markOperand(marks[id], rows, cols, inWidth, marks[source]);
    }
  }
  return marks;
}

std::vector<std::optional<std::array<Span, 2>>> influenceRegion(const Graph &graph, NodeId target,
                                                                int64_t y, int64_t x) {
  std::vector<std::optional<std::array<Span, 2>>> regions(graph.nodes.size());
  regions[target] = std::array<Span, 2>{Span{y, y}, Span{x, x}};
  for (NodeId id = target + 1; id-- > 0;) {
    const Node &node = graph.nodes[id];
    if (!regions[id] || node.isInput())
      continue;
    for (size_t operand = 0; operand < node.operands.size(); ++operand) {
      const NodeId source = node.operands[operand];
      std::array<Span, 2> reads;
      bool empty = false;
      for (size_t a = 0; a < kAxes.size(); ++a) {
        const AxisWindow window = operandWindow(graph, node, operand, kAxes[a]);
        reads[a] = windowReads(window, (*regions[id])[a]);
        // Within what the window can read: the padded operand (or, for a concat, only
        // the part this operand supplies). A region already outside the tensor (from
        // later padding) keeps its virtual coordinates.
        const int64_t extent = nodeExtent(graph, source, kAxes[a]);
        const bool inTensor = (*regions[id])[a].first >= 0 &&
                              (*regions[id])[a].last < nodeExtent(graph, id, kAxes[a]);
        if (inTensor || window.outsideIsAbsent) {
          const int64_t low = window.outsideIsAbsent ? 0 : -window.padBegin;
          const int64_t high = window.outsideIsAbsent ? extent - 1 : extent + window.padEnd - 1;
          reads[a].first = std::max(reads[a].first, low);
          reads[a].last = std::min(reads[a].last, high);
        }
        empty = empty || reads[a].first > reads[a].last;
      }
      if (empty)
        continue;
      if (!regions[source]) {
        regions[source] = reads;
        continue;
      }
      for (size_t a = 0; a < kAxes.size(); ++a) {
        (*regions[source])[a].first = std::min((*regions[source])[a].first, reads[a].first);
        (*regions[source])[a].last = std::max((*regions[source])[a].last, reads[a].last);
      }
    }
  }
  return regions;
}

} // namespace cnnc::explain
