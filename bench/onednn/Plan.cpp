// Grouping of a checked graph into oneDNN primitives (see Plan.h for the rules).
#include "bench/onednn/Plan.h"

#include "compiler/ir/OpDef.h"

#include <algorithm>
#include <cstring>

namespace cnnc::onednn {

using namespace ir;

namespace {

bool isOutput(const Graph &graph, NodeId id) {
  return std::find(graph.outputs.begin(), graph.outputs.end(), id) != graph.outputs.end();
}

/// A constant pad of zeros whose every reader is a zero-padded convolution: its
/// padding can be added to theirs, as a practitioner does by hand (F.pad followed by
/// an unpadded conv is the same as a padded conv).
bool foldsIntoConvPadding(const Graph &graph, const std::vector<std::vector<NodeId>> &users,
                          NodeId id) {
  const Node &node = graph.nodes[id];
  if (!isOp(node, "pad") || isOutput(graph, id) || users[id].empty())
    return false;
  const PadAttrs &attrs = std::get<PadAttrs>(node.attrs);
  if (attrs.mode != PadMode::Constant || attrs.value != 0.0)
    return false;
  return std::all_of(users[id].begin(), users[id].end(), [&](NodeId user) {
    const Node &reader = graph.nodes[user];
    return isOp(reader, "conv2d") &&
           std::get<Conv2dAttrs>(reader.attrs).padMode == PadMode::Constant;
  });
}

/// relu and leaky_relu are both oneDNN's eltwise_relu (with alpha the slope).
double reluSlope(const ActivationAttrs &attrs) {
  return attrs.kind == ActivationKind::LeakyRelu ? attrs.negativeSlope : 0.0;
}
bool isReluKind(const ActivationAttrs &attrs) {
  return attrs.kind == ActivationKind::Relu || attrs.kind == ActivationKind::LeakyRelu;
}

/// False when `next` would be a second eltwise_relu post-op with a different slope than
/// one already in the group: oneDNN 2.6's JIT post-op injector then applies the first
/// slope to both (found by the random-network test: leaky_relu followed by relu came
/// out as leaky_relu applied twice), so that activation runs as its own primitive.
bool eltwiseFits(const Graph &graph, const Group &group, const ActivationAttrs &next) {
  if (!isReluKind(next))
    return true;
  for (NodeId id : group.postOps) {
    const auto *earlier = std::get_if<ActivationAttrs>(&graph.nodes[id].attrs);
    if (earlier && isReluKind(*earlier) && reluSlope(*earlier) != reluSlope(next))
      return false;
  }
  return true;
}

/// Follows the chain of single readers after a conv2d or linear layer, absorbing what
/// oneDNN can apply to the primitive's result: one batch_norm first (folded into the
/// weights), then activations (eltwise post-ops) and one add (a sum post-op).
void extendGroup(const Graph &graph, const std::vector<std::vector<NodeId>> &users,
                 std::vector<std::optional<size_t>> &groupOf, size_t index, Group &group) {
  bool hasSum = false;
  NodeId current = group.anchor;
  while (users[current].size() == 1 && !isOutput(graph, current)) {
    const NodeId next = users[current][0];
    const Node &reader = graph.nodes[next];
    if (groupOf[next])
      return;
    if (isOp(reader, "batch_norm") && !group.batchNorm && group.postOps.empty()) {
      group.batchNorm = next;
    } else if (const auto *activation = std::get_if<ActivationAttrs>(&reader.attrs);
               activation && eltwiseFits(graph, group, *activation)) {
      group.postOps.push_back(next);
    } else if (isOp(reader, "add") && !hasSum && reader.operands[0] != reader.operands[1]) {
      hasSum = true;
      group.postOps.push_back(next);
    } else {
      return;
    }
    groupOf[next] = index;
    group.tail = next;
    current = next;
  }
}

} // namespace

bool isOp(const Node &node, const char *opName) {
  return node.op != nullptr && node.op->name == opName;
}

std::optional<NodeId> Group::sumNode(const Graph &graph) const {
  for (NodeId id : postOps)
    if (isOp(graph.nodes[id], "add"))
      return id;
  return std::nullopt;
}

Plan planGroups(const Graph &graph) {
  const std::vector<std::vector<NodeId>> users = graph.users();
  Plan plan;
  plan.groupOf.assign(graph.nodes.size(), std::nullopt);
  plan.foldedPad.assign(graph.nodes.size(), false);
  for (NodeId id = 0; id < graph.nodes.size(); ++id) {
    const Node &node = graph.nodes[id];
    if (node.isInput() || plan.groupOf[id])
      continue;
    if (foldsIntoConvPadding(graph, users, id)) {
      plan.foldedPad[id] = true;
      continue;
    }
    Group group{id, std::nullopt, {}, id};
    plan.groupOf[id] = plan.groups.size();
    if (isOp(node, "conv2d") || isOp(node, "linear"))
      extendGroup(graph, users, plan.groupOf, plan.groups.size(), group);
    plan.groups.push_back(group);
  }
  // A group runs when its last layer's operands are all ready, so order by tail.
  std::vector<size_t> order(plan.groups.size());
  for (size_t i = 0; i < order.size(); ++i)
    order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return plan.groups[a].tail < plan.groups[b].tail; });
  std::vector<Group> sorted;
  std::vector<size_t> newIndex(order.size());
  for (size_t i = 0; i < order.size(); ++i) {
    newIndex[order[i]] = i;
    sorted.push_back(plan.groups[order[i]]);
  }
  for (std::optional<size_t> &index : plan.groupOf)
    if (index)
      index = newIndex[*index];
  plan.groups = std::move(sorted);
  return plan;
}

ConvSource convSource(const Graph &graph, const Plan &plan, const Node &conv) {
  const Conv2dAttrs &attrs = std::get<Conv2dAttrs>(conv.attrs);
  const NodeId operand = conv.operands[0];
  if (!plan.foldedPad[operand])
    return {operand, attrs.padding};
  const Node &pad = graph.nodes[operand];
  const Pad4 &extra = std::get<PadAttrs>(pad.attrs).padding;
  Pad4 total = attrs.padding;
  total.left += extra.left;
  total.right += extra.right;
  total.top += extra.top;
  total.bottom += extra.bottom;
  return {pad.operands[0], total};
}

} // namespace cnnc::onednn
