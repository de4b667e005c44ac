// Gathers the per-layer figures from the three analyses and the cost model.
#include "compiler/explain/Explanation.h"

#include "compiler/explain/Borders.h"
#include "compiler/explain/Influence.h"
#include "compiler/explain/LayerWindows.h"
#include "compiler/explain/ReceptiveFields.h"
#include "compiler/ir/Cost.h"

#include <algorithm>

namespace cnnc::explain {

using namespace ir;

namespace {

AxisField axisField(const PositionFields &fields) {
  FieldSummary summary = summarizeFields(fields);
  return {summary.size, summary.jump, summary.start, summary.regular};
}

} // namespace

NetworkExplanation explainNetwork(const Graph &graph) {
  const FieldTable fields = computeReceptiveFields(graph);
  const std::vector<NodeBorder> borders = computeBorders(graph);
  const std::vector<IdleCount> idle = countIdlePositions(graph);
  NetworkExplanation network;
  for (NodeId id = 0; id < graph.nodes.size(); ++id) {
    const Node &node = graph.nodes[id];
    LayerExplanation layer;
    layer.node = id;
    for (size_t k = 0; k < graph.inputs.size(); ++k) {
      InputField field;
      field.input = graph.inputs[k];
      field.rows = axisField(fields[id][k][0]);
      field.cols = axisField(fields[id][k][1]);
      field.dependsOnInput = summarizeFields(fields[id][k][0]).dependsOnInput;
      layer.fields.push_back(field);
    }
    layer.positions = borders[id].positions();
    layer.borderPositions = borders[id].borderPositions();
    if (!node.isInput())
      layer.paddedReadShare =
          borders[id].reads > 0 ? borders[id].paddedReads / borders[id].reads : 0.0;
    layer.idlePositions = idle[id].positions;
    layer.idleRows = idle[id].rows;
    layer.idleCols = idle[id].cols;
    layer.idleExact = idle[id].exact;
    layer.flops = nodeFlops(graph, node);
    layer.parameters = nodeParameters(graph, node);
    layer.activationBytes = nodeOutputBytes(node);
    network.flops += layer.flops;
    network.parameters += layer.parameters;
    network.activationBytes += layer.activationBytes;
    network.layers.push_back(layer);
  }
  return network;
}

} // namespace cnnc::explain
