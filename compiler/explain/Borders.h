// Where padding reaches. Two figures per layer:
//  - border share: the share of the layer's output positions whose receptive field
//    reaches into padding, this layer's or any earlier one's (a reflect or replicate
//    pad counts: its values are copies, but not of the pixels at those coordinates);
//  - padded-read share: the share of the layer's reads (for conv2d, its
//    multiply-accumulates) that read a padded value, zeros or otherwise: a tap in the
//    layer's own padding, or in a value that is itself padding (the border of an
//    explicit pad layer, or anything computed from padding alone).
// Windows are products of a row and a column window, so both are exact from per-axis
// flags: a position reaches padding iff its row or its column does.
#pragma once

#include "compiler/ir/Graph.h"

#include <array>
#include <vector>

namespace cnnc::explain {

struct AxisBorder {
  std::vector<char> reachesPadding; // per position of the axis
  std::vector<char> isPadding;      // per position: every value it reads is padding
  int64_t clearPositions() const;   // positions that do not reach padding
};

struct NodeBorder {
  std::array<AxisBorder, 2> axes; // height, width
  /// Reads of the layer (channel-weighted over operands), and those of padded values.
  double reads = 0;
  double paddedReads = 0;

  int64_t positions() const;
  int64_t borderPositions() const;
};

std::vector<NodeBorder> computeBorders(const ir::Graph &graph);

} // namespace cnnc::explain
