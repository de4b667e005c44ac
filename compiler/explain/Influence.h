// Which positions matter, found backwards from the outputs:
//  - influentialPositions: for every tensor, the positions whose value some network
//    output depends on (2-D, exact through every join); a network input's other
//    pixels never matter (rows and columns that strided windows or pooling windows
//    that do not cover the edge drop). Reflected, replicated and wrapped padding reads
//    real pixels, so those count; constant padding reads none.
//  - influenceRegion: for one position of one layer, the hull of the coordinates of
//    every earlier tensor it depends on, in virtual coordinates (a part outside the
//    tensor is padding the later layers add).
#pragma once

#include "compiler/ir/Graph.h"
#include "compiler/ir/WindowGeometry.h"

#include <array>
#include <optional>
#include <vector>

namespace cnnc::explain {

/// Per node: H*W flags, row-major (one flag for a 2-D tensor).
std::vector<std::vector<char>> influentialPositions(const ir::Graph &graph);

/// Positions of a tensor that no network output depends on, and the rows and columns
/// made of them only.
struct IdleCount {
  int64_t positions = 0;
  int64_t rows = 0;
  int64_t cols = 0;
  /// From influentialPositions. False for a graph whose tensors hold more than
  /// kExactIdleLimit positions in all: then each axis is followed alone (used rows times
  /// used columns), which is exact unless two branches of a join use different rows
  /// and different columns of one tensor.
  bool exact = true;
};
constexpr int64_t kExactIdleLimit = int64_t(1) << 26;
std::vector<IdleCount> countIdlePositions(const ir::Graph &graph);

/// Per node: the rows and columns position (y, x) of `target` depends on; nullopt for
/// nodes it does not depend on.
std::vector<std::optional<std::array<ir::Span, 2>>>
influenceRegion(const ir::Graph &graph, ir::NodeId target, int64_t y, int64_t x);

} // namespace cnnc::explain
