// The JSON document: one object per layer, in node order, then the totals.
#include "compiler/explain/ExplainJson.h"

#include "compiler/ir/OpDef.h"

#include <cmath>
#include <nlohmann/json.hpp>

namespace cnnc::explain {

using namespace ir;
using nlohmann::json;

namespace {

/// Shares to six decimals: enough to compare with hand-computed fractions, stable text.
double share(double value) { return std::round(value * 1e6) / 1e6; }

json axisJson(const AxisField &field) {
  return {{"size", field.size},
          {"jump", field.jump},
          {"start", field.start},
          {"regular", field.regular}};
}

json layerJson(const Graph &graph, const LayerExplanation &layer) {
  const Node &node = graph.nodes[layer.node];
  json fields = json::array();
  for (const InputField &field : layer.fields) {
    json entry = {{"input", graph.nodes[field.input].name},
                  {"depends_on_input", field.dependsOnInput}};
    if (field.dependsOnInput) {
      entry["rows"] = axisJson(field.rows);
      entry["cols"] = axisJson(field.cols);
    }
    fields.push_back(entry);
  }
  return {{"name", node.name},
          {"op", node.isInput() ? "input" : node.op->name},
          {"shape", node.shape},
          {"receptive_field", fields},
          {"positions", layer.positions},
          {"border_positions", layer.borderPositions},
          {"border_share", share(layer.borderShare())},
          {"padded_read_share",
           layer.paddedReadShare ? json(share(*layer.paddedReadShare)) : json(nullptr)},
          {"idle_positions", layer.idlePositions},
          {"idle_rows", layer.idleRows},
          {"idle_cols", layer.idleCols},
          {"idle_exact", layer.idleExact},
          {"flops", layer.flops},
          {"parameters", layer.parameters},
          {"activation_bytes", layer.activationBytes}};
}

} // namespace

std::string explanationJson(const Graph &graph, const NetworkExplanation &explanation) {
  json layers = json::array();
  for (const LayerExplanation &layer : explanation.layers)
    layers.push_back(layerJson(graph, layer));
  json outputs = json::array();
  for (NodeId id : graph.outputs)
    outputs.push_back(graph.nodes[id].name);
  json document = {
      {"format", "cnnc-explain/1"},
      {"network", graph.name},
      {"outputs", outputs},
      {"layers", layers},
      {"totals",
       {{"flops", explanation.flops},
        {"parameters", explanation.parameters},
        {"activation_bytes", explanation.activationBytes}}},
  };
  return document.dump(2) + "\n";
}

} // namespace cnnc::explain
