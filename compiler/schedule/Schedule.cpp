// Entry point of the schedules, and the one place that maps names to them.
#include "compiler/schedule/Schedule.h"

#include "compiler/schedule/Fused.h"
#include "compiler/schedule/Unfused.h"

namespace cnnc::schedule {

lower::LowerOptions lowerOptionsFor(ScheduleKind kind) {
  lower::LowerOptions options;
  options.foldBatchNorm = kind == ScheduleKind::Fused;
  return options;
}

std::vector<std::string> applySchedule(const ir::Graph &graph, lower::LoweredNetwork &network,
                                       ScheduleKind kind, const Halide::Target &target) {
  switch (kind) {
  case ScheduleKind::Unfused:
    return scheduleUnfused(graph, network, target);
  case ScheduleKind::Fused:
    return scheduleFused(graph, network, target);
  }
  return {};
}

} // namespace cnnc::schedule
