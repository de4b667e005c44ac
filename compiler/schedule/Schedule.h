// Schedules for a lowered network. The algorithm (lower/) never changes here: every
// schedule computes the same function, only where and how loops run.
#pragma once

#include "compiler/ir/Graph.h"
#include "compiler/lower/LowerToHalide.h"
#include "compiler/schedule/ScheduleKind.h"

#include <Halide.h>

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace cnnc::schedule {

/// A schedule that cannot be applied for a reason outside the network and outside
/// Halide's compiler (an autoscheduler plugin that is not installed). Its message is
/// complete and meant for the user.
class ScheduleError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// How the network must be lowered for `kind` on `target` (unfused keeps batch-norm as
/// a stage; fused computes some convolutions by Winograd's algorithm).
lower::LowerOptions lowerOptionsFor(const ir::Graph &graph, ScheduleKind kind,
                                    const Halide::Target &target);

/// Applies the schedule and returns one line per decision, for --explain-schedule.
/// The auto schedule can fail for reasons outside the network (a missing plugin, an
/// autoscheduler that gives up): it throws ScheduleError (Auto.h) or Halide::Error.
std::vector<std::string> applySchedule(const ir::Graph &graph, lower::LoweredNetwork &network,
                                       const ScheduleRequest &request,
                                       const Halide::Target &target);

} // namespace cnnc::schedule
