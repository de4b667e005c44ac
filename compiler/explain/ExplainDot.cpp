// Graphviz text. Node ids are positional (n0, n1, ...) so any layer name is safe;
// names only appear inside quoted, escaped labels.
#include "compiler/explain/ExplainDot.h"

#include "compiler/explain/LayerWindows.h"
#include "compiler/ir/OpDef.h"
#include "compiler/schedule/FusionPlan.h"

#include <cstdio>
#include <sstream>
#include <vector>

namespace cnnc::explain {

using namespace ir;

namespace {

std::string escapeDot(const std::string &text) {
  std::string out;
  for (char c : text) {
    if (c == '"' || c == '\\')
      out += '\\';
    out += c;
  }
  return out;
}

std::string percent(double share) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f%%", 100.0 * share);
  return text;
}

std::string fieldText(const InputField &field) {
  return std::to_string(field.rows.size) + "x" + std::to_string(field.cols.size);
}

schedule::FusionPlan fusedPlan(const Graph &graph) { return schedule::planFusion(graph); }

void writeNode(std::ostream &out, const Graph &graph, const LayerExplanation &layer, bool inlined,
               const std::string &indent) {
  const Node &node = graph.nodes[layer.node];
  const WindowTraits traits = describeWindow(graph, node);
  // Each line is escaped alone: "\n" between them is Graphviz's line break.
  std::vector<std::string> lines = {node.name,
                                    node.isInput() ? "input" : node.op->name + " " + traits.text,
                                    formatShape(node.shape)};
  for (const InputField &field : layer.fields)
    if (field.dependsOnInput && !node.isInput())
      lines.push_back("rf " + fieldText(field) +
                      (layer.fields.size() > 1 ? " on " + graph.nodes[field.input].name : ""));
  if (layer.borderPositions > 0)
    lines.push_back("border " + percent(layer.borderShare()));
  std::string label;
  for (const std::string &line : lines)
    label += (label.empty() ? "" : "\\n") + escapeDot(line);
  std::string style = "filled";
  std::string fill = "#ffffff", color = "#444444", shape = "box";
  if (traits.pads)
    fill = "#fdd9b5"; // padding: orange
  if (traits.downsamples && !traits.hasWeights) {
    fill = traits.pads ? "#d6c7e8" : "#c6dbef"; // pooling: blue (violet when it pads)
    shape = "invtrapezium";
  } else if (traits.downsamples) {
    color = "#1f6fb2"; // strided convolution: blue outline
  }
  if (inlined)
    style += ",dashed";
  if (node.isInput())
    shape = "ellipse";
  out << indent << "n" << layer.node << " [label=\"" << label << "\", shape=" << shape
      << ", style=\"" << style << "\", fillcolor=\"" << fill << "\", color=\"" << color << "\""
      << (traits.downsamples ? ", penwidth=2" : "") << "];\n";
}

std::string stageLabel(const Graph &graph, const schedule::FusionPlan &plan, NodeId head) {
  std::string label = "stage";
  if (plan.computedPerTileOf[head])
    label += ", computed per tile of " + graph.nodes[*plan.computedPerTileOf[head]].name;
  else
    label += ", stored: " + graph.nodes[plan.tailOf[head]].name;
  return label;
}

} // namespace

std::string explanationDot(const Graph &graph, const NetworkExplanation &explanation) {
  const schedule::FusionPlan plan = fusedPlan(graph);
  std::ostringstream out;
  out << "digraph \"" << escapeDot(graph.name) << "\" {\n"
      << "  rankdir=TB;\n  node [fontname=\"DejaVu Sans\", fontsize=10];\n"
      << "  label=\"" << escapeDot(graph.name)
      << ": orange pads, blue pools or strides; clusters are the fused schedule's stages; "
         "dashed layers are never stored\";\n  labelloc=t;\n";
  for (const LayerExplanation &layer : explanation.layers) {
    const NodeId id = layer.node;
    if (plan.groupOf[id] && *plan.groupOf[id] != id)
      continue; // drawn inside its head's cluster
    if (!plan.groupOf[id]) {
      writeNode(out, graph, layer, plan.inlined[id], "  ");
      continue;
    }
    out << "  subgraph cluster_" << id << " {\n    label=\""
        << escapeDot(stageLabel(graph, plan, id)) << "\";\n    style=\"rounded"
        << (plan.computedPerTileOf[id] ? ",dashed" : "") << "\";\n    color=\"#888888\";\n";
    for (const LayerExplanation &member : explanation.layers)
      if (plan.groupOf[member.node] == id)
        writeNode(out, graph, member, false, "    ");
    out << "  }\n";
  }
  for (const Node &node : graph.nodes)
    for (NodeId operand : node.operands)
      out << "  n" << operand << " -> n" << (&node - graph.nodes.data()) << ";\n";
  out << "}\n";
  return out.str();
}

} // namespace cnnc::explain
