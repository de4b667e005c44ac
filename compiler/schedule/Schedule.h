// Schedules for a lowered network. The algorithm (lower/) never changes here: every
// schedule computes the same function, only where and how loops run.
#pragma once

#include "compiler/ir/Graph.h"
#include "compiler/lower/LowerToHalide.h"
#include "compiler/schedule/ScheduleKind.h"

#include <Halide.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cnnc::schedule {

/// How the network must be lowered for `kind` (unfused keeps batch-norm as a stage).
lower::LowerOptions lowerOptionsFor(ScheduleKind kind);

/// Applies the schedule and returns one line per decision, for --explain-schedule.
std::vector<std::string> applySchedule(const ir::Graph &graph, lower::LoweredNetwork &network,
                                       ScheduleKind kind, const Halide::Target &target);

} // namespace cnnc::schedule
