// `cnnc explain`'s figures for every layer of a checked graph: output shape, receptive
// field on each network input, how far padding reaches, which positions never matter,
// and cost. Pure arithmetic on the graph: no Halide, nothing compiled or run.
#pragma once

#include "compiler/ir/Graph.h"

#include <optional>
#include <vector>

namespace cnnc::explain {

/// The standard receptive-field figures of one axis (see ReceptiveFields.h).
struct AxisField {
  int64_t size = 0;
  int64_t jump = 0;
  int64_t start = 0;
  bool regular = true;
};

/// A layer's receptive field on one network input.
struct InputField {
  ir::NodeId input = 0;
  bool dependsOnInput = false;
  AxisField rows, cols;
};

struct LayerExplanation {
  ir::NodeId node = 0;
  std::vector<InputField> fields; // one per network input, in graph.inputs order
  int64_t positions = 0;          // H * W (1 for a 2-D tensor)
  int64_t borderPositions = 0;    // whose receptive field reaches padding
  /// Reads of padded values / all reads (multiply-accumulates for conv2d); nullopt for a
  /// network input, which reads nothing.
  std::optional<double> paddedReadShare;
  /// Positions of this output that no network output depends on, and the rows and
  /// columns made of them only.
  int64_t idlePositions = 0;
  int64_t idleRows = 0;
  int64_t idleCols = 0;
  bool idleExact = true; // see IdleCount::exact
  int64_t flops = 0;
  int64_t parameters = 0;
  int64_t activationBytes = 0;

  double borderShare() const {
    return positions ? double(borderPositions) / double(positions) : 0.0;
  }
};

struct NetworkExplanation {
  std::vector<LayerExplanation> layers; // node order, network inputs included
  int64_t flops = 0;
  int64_t parameters = 0;
  int64_t activationBytes = 0; // every tensor stored once, inputs included
};

NetworkExplanation explainNetwork(const ir::Graph &graph);

} // namespace cnnc::explain
