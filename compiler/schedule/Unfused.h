// The unfused baseline: every layer, each explicit pad included, in its own buffer.
#pragma once

#include "compiler/lower/LowerToHalide.h"

#include <string>
#include <vector>

namespace cnnc::schedule {

std::vector<std::string> scheduleUnfused(const ir::Graph &graph, lower::LoweredNetwork &network,
                                         const Halide::Target &target);

} // namespace cnnc::schedule
