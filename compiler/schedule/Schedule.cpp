// Entry point of the schedules, and the one place that maps names to them.
#include "compiler/schedule/Schedule.h"

#include "compiler/schedule/Fused.h"
#include "compiler/schedule/Unfused.h"

namespace cnnc::schedule {

std::optional<ScheduleKind> parseScheduleKind(std::string_view name) {
  if (name == "fused")
    return ScheduleKind::Fused;
  if (name == "unfused")
    return ScheduleKind::Unfused;
  return std::nullopt;
}

const char *scheduleName(ScheduleKind kind) {
  switch (kind) {
  case ScheduleKind::Unfused:
    return "unfused";
  case ScheduleKind::Fused:
    return "fused";
  }
  return "?";
}

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
