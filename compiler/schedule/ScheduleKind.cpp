// Schedule names.
#include "compiler/schedule/ScheduleKind.h"

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

} // namespace cnnc::schedule
