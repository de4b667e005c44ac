// Decides which per-channel affine layers (batch-norm) fold into the layer that
// produces their input (a convolution), so they cost nothing at run time.
#pragma once

#include "compiler/ir/Graph.h"

#include <optional>
#include <vector>

namespace cnnc::passes {

/// For each node, the producer it folds into, if any. A layer folds when its OpDef has
/// `channelAffine`, its producer `absorbsChannelAffine`, the producer has no other
/// user and is not a network output (its unfolded value must then never be seen).
/// Needs a checked graph; does not change it.
std::vector<std::optional<ir::NodeId>> planBatchNormFolds(const ir::Graph &graph);

} // namespace cnnc::passes
