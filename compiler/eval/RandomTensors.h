// Deterministic random weights and inputs for a checked graph (`cnnc bench`, tests).
#pragma once

#include "compiler/eval/Reference.h"
#include "compiler/ir/Graph.h"

#include <cstdint>

namespace cnnc::eval {

/// Weights uniform in [-1, 1] / sqrt(fan-in) (so activations keep their scale through
/// depth), variances in [0.5, 1.5], all from `seed`.
TensorMap randomWeights(const ir::Graph &graph, uint64_t seed);
/// Inputs uniform in [-1, 1].
TensorMap randomInputs(const ir::Graph &graph, uint64_t seed);

} // namespace cnnc::eval
