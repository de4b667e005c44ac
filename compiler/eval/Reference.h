// The reference evaluator: runs a checked graph with each operator's naive reference
// loops in double precision. It defines what a network means and is the oracle every
// Halide schedule is tested against, so it is written for obviousness, not speed.
#pragma once

#include "cnnc/runtime/Tensor.h"
#include "compiler/ir/Graph.h"

#include <map>
#include <string>

namespace cnnc::eval {

using TensorMap = std::map<std::string, rt::Tensor>;

/// Every output of `graph`, by name. `weights` and `inputs` must already be bound and
/// checked against the graph (names and shapes); this function does not validate them.
TensorMap evaluateReference(const ir::Graph &graph, const TensorMap &weights,
                            const TensorMap &inputs);

} // namespace cnnc::eval
