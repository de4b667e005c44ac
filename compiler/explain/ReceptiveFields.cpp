// Forward propagation of per-position fields. A padded operand coordinate has no
// field of its own; it gets the one the standard arithmetic gives it, continuing the
// nearest edge position's field by the jump (Araujo, Norris & Sim 2019: start_out =
// start_in - padBegin * jump_in).
#include "compiler/explain/ReceptiveFields.h"

#include "compiler/explain/LayerWindows.h"

#include <algorithm>

namespace cnnc::explain {

using namespace ir;

namespace {

std::optional<Span> fieldAt(const PositionFields &in, int64_t u) {
  const int64_t extent = static_cast<int64_t>(in.spans.size());
  if (!isOutside(u, extent))
    return in.spans[static_cast<size_t>(u)];
  const int64_t edge = u < 0 ? 0 : extent - 1;
  const std::optional<Span> &edgeField = in.spans[static_cast<size_t>(edge)];
  if (!edgeField)
    return std::nullopt;
  const int64_t shift = (u - edge) * in.jump;
  return Span{edgeField->first + shift, edgeField->last + shift};
}

void merge(std::optional<Span> &into, const Span &span) {
  if (!into) {
    into = span;
    return;
  }
  into->first = std::min(into->first, span.first);
  into->last = std::max(into->last, span.last);
}

/// Adds what the outputs read through `window` from an operand with fields `in`.
void accumulate(PositionFields &out, std::optional<int64_t> &jump, const PositionFields &in,
                const AxisWindow &window) {
  const int64_t inExtent = static_cast<int64_t>(in.spans.size());
  bool any = false;
  for (size_t o = 0; o < out.spans.size(); ++o)
    for (int64_t t = 0; t < window.kernel; ++t) {
      const int64_t u = windowTap(window, static_cast<int64_t>(o), t);
      if (!isTapRead(window, u, inExtent))
        continue;
      if (std::optional<Span> field = fieldAt(in, u)) {
        merge(out.spans[o], *field);
        any = true;
      }
    }
  if (any)
    jump = std::max(jump.value_or(0), in.jump * window.stride);
}

bool dependsOnInput(const PositionFields &fields) {
  return std::any_of(fields.spans.begin(), fields.spans.end(),
                     [](const std::optional<Span> &span) { return span.has_value(); });
}

} // namespace

FieldTable computeReceptiveFields(const Graph &graph) {
  const size_t inputCount = graph.inputs.size();
  FieldTable table(graph.nodes.size(), std::vector<std::array<PositionFields, 2>>(inputCount));
  for (NodeId id = 0; id < graph.nodes.size(); ++id) {
    const Node &node = graph.nodes[id];
    for (size_t k = 0; k < inputCount; ++k)
      for (size_t a = 0; a < kAxes.size(); ++a) {
        PositionFields &out = table[id][k][a];
        const int64_t extent = nodeExtent(graph, id, kAxes[a]);
        out.spans.assign(static_cast<size_t>(extent), std::nullopt);
        if (node.isInput()) {
          if (graph.inputs[k] == id)
            for (int64_t i = 0; i < extent; ++i)
              out.spans[static_cast<size_t>(i)] = Span{i, i};
          continue;
        }
        std::optional<int64_t> jump;
        for (size_t operand = 0; operand < node.operands.size(); ++operand) {
          const PositionFields &in = table[node.operands[operand]][k][a];
          if (dependsOnInput(in))
            accumulate(out, jump, in, operandWindow(graph, node, operand, kAxes[a]));
        }
        out.jump = jump.value_or(1);
      }
  }
  return table;
}

FieldSummary summarizeFields(const PositionFields &fields) {
  FieldSummary summary;
  summary.jump = fields.jump;
  std::optional<Span> previous;
  std::optional<int64_t> step;
  bool missing = false;
  for (const std::optional<Span> &span : fields.spans) {
    if (!span) {
      missing = true;
      continue;
    }
    if (!previous) {
      summary.start = span->first;
      summary.size = span->size();
    }
    summary.regular = summary.regular && span->size() == summary.size;
    summary.size = std::max(summary.size, span->size());
    if (previous) {
      const int64_t delta = span->first - previous->first;
      summary.regular = summary.regular && (!step || *step == delta);
      step = delta;
    }
    previous = span;
  }
  summary.dependsOnInput = previous.has_value();
  summary.regular = summary.regular && !(missing && summary.dependsOnInput);
  if (summary.regular && step)
    summary.jump = *step;
  return summary;
}

} // namespace cnnc::explain
