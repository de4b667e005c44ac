// The schedules a network can be compiled with, by name. Kept apart from Schedule.h
// so that code which only names a schedule (the CLI) does not include Halide.h.
#pragma once

#include <optional>
#include <string_view>

namespace cnnc::schedule {

enum class ScheduleKind {
  Unfused, // every layer, explicit pads included, in its own buffer
  Fused,   // pads folded into loads, conv+bn+activation one stage, pools from conv tiles
};

std::optional<ScheduleKind> parseScheduleKind(std::string_view name);
const char *scheduleName(ScheduleKind kind);

} // namespace cnnc::schedule
