// `cnnc explain --dot`: the network as a Graphviz graph. Each layer is labelled with its
// operator, window, output shape, receptive field and border share; layers that pad are
// orange, layers that pool (windows without weights that shrink the tensor) blue and
// drawn as trapezia, strided convolutions outlined in blue; the fused schedule's stages
// are clusters, and layers it never stores (folded pads) are dashed.
#pragma once

#include "compiler/explain/Explanation.h"

#include <string>

namespace cnnc::explain {

std::string explanationDot(const ir::Graph &graph, const NetworkExplanation &explanation);

} // namespace cnnc::explain
