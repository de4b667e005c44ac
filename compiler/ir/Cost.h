// Parameters and FLOPs of layers and networks, from each OpDef's cost function.
#pragma once

#include "compiler/ir/Graph.h"

#include <cstdint>

namespace cnnc::ir {

int64_t nodeParameters(const Graph &graph, const Node &node);
/// A multiply-add counts 2.
int64_t nodeFlops(const Graph &graph, const Node &node);
int64_t graphFlops(const Graph &graph);
/// Bytes of the layer's output tensor (f32, stored once).
int64_t nodeOutputBytes(const Node &node);
int64_t graphParameters(const Graph &graph);

} // namespace cnnc::ir
