// The fused schedule: pads folded into loads, conv + bias + batch-norm + activation
// computed as one stage, pooling computed from tiles of the convolution it reads.
#pragma once

#include "compiler/lower/LowerToHalide.h"
#include "compiler/schedule/FusionPlan.h"

#include <string>
#include <vector>

namespace cnnc::schedule {

std::vector<std::string> scheduleFused(const ir::Graph &graph, lower::LoweredNetwork &network,
                                       const Halide::Target &target);

} // namespace cnnc::schedule
