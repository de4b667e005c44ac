// Schedule names, autoscheduler names and the checks on them.
#include "compiler/schedule/ScheduleKind.h"

#include <algorithm>
#include <cctype>

namespace cnnc::schedule {

// Mullapudi2016, by measurement (`cnnc bench NET --schedules
// fused,unfused,auto:mullapudi2016,auto:li2018`, 2 threads, the project's 2-core Xeon,
// 2026-11-25; medians, see docs/schedules.md):
//   down_pool  Mullapudi2016 49.7 GFLOP/s, compiled in 1.1 s; Li2018 12.9 GFLOP/s, 0.7 s.
//              Adams2019, measured once in a busier run: 8.9 GFLOP/s where Mullapudi2016
//              made 23.3, after 882 s of compiling and 18 GiB of memory (no default, no
//              test).
//   vgg_head   Mullapudi2016 43.4 GFLOP/s, 3.7 s; Li2018's schedule fails at run time
//              (it reads the input image out of bounds: a ShiftInwards split larger than
//              the region it computes).
// Mullapudi2016 is the fastest that works on both, and compiles in seconds. None comes
// near fused (135.8 and 155.6 GFLOP/s in the same runs).
const char *const kDefaultAutoscheduler = "mullapudi2016";

std::optional<ScheduleKind> parseScheduleKind(std::string_view name) {
  if (name == "fused")
    return ScheduleKind::Fused;
  if (name == "unfused")
    return ScheduleKind::Unfused;
  if (name == "auto")
    return ScheduleKind::Auto;
  return std::nullopt;
}

const char *scheduleName(ScheduleKind kind) {
  switch (kind) {
  case ScheduleKind::Unfused:
    return "unfused";
  case ScheduleKind::Fused:
    return "fused";
  case ScheduleKind::Auto:
    return "auto";
  }
  return "?";
}

const std::vector<std::string> &autoschedulerNames() {
  static const std::vector<std::string> names = {"mullapudi2016", "li2018", "adams2019"};
  return names;
}

ScheduleRequest::ScheduleRequest(ScheduleKind scheduleKind)
    : kind(scheduleKind),
      autoscheduler(scheduleKind == ScheduleKind::Auto ? kDefaultAutoscheduler : "") {}

ScheduleRequest::ScheduleRequest(ScheduleKind scheduleKind, std::string autoschedulerName)
    : kind(scheduleKind), autoscheduler(std::move(autoschedulerName)) {}

std::string describe(const ScheduleRequest &request) {
  std::string text = scheduleName(request.kind);
  if (request.kind == ScheduleKind::Auto)
    text += ":" + request.autoscheduler;
  return text;
}

namespace {

/// "a, b or c".
std::string choiceList(const std::vector<std::string> &items) {
  std::string text;
  for (size_t i = 0; i < items.size(); ++i)
    text += (i == 0 ? "" : i + 1 == items.size() ? " or " : ", ") + items[i];
  return text;
}

std::string lowerCase(std::string_view text) {
  std::string lowered(text);
  std::transform(lowered.begin(), lowered.end(), lowered.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lowered;
}

} // namespace

std::optional<ScheduleRequest> parseScheduleRequest(std::string_view schedule,
                                                    std::string_view autoscheduler,
                                                    std::string &error) {
  // "auto:li2018" is short for --schedule auto --autoscheduler li2018.
  if (const size_t colon = schedule.find(':'); colon != std::string_view::npos) {
    const std::string_view named = schedule.substr(colon + 1);
    schedule = schedule.substr(0, colon);
    if (schedule != "auto") {
      error = "only the auto schedule takes an autoscheduler (got '" + std::string(schedule) + ":" +
              std::string(named) + "')";
      return std::nullopt;
    }
    if (!autoscheduler.empty() && lowerCase(autoscheduler) != lowerCase(named)) {
      error = "two autoschedulers requested: '" + std::string(named) + "' and '" +
              std::string(autoscheduler) + "'";
      return std::nullopt;
    }
    autoscheduler = named;
  }
  std::optional<ScheduleKind> kind = parseScheduleKind(schedule);
  if (!kind) {
    error = "unknown schedule '" + std::string(schedule) + "' (expected fused, unfused or auto)";
    return std::nullopt;
  }
  if (autoscheduler.empty())
    return ScheduleRequest(*kind);
  if (*kind != ScheduleKind::Auto) {
    error = "--autoscheduler applies only to --schedule auto (got --schedule " +
            std::string(schedule) + ")";
    return std::nullopt;
  }
  // Halide spells them Mullapudi2016, Li2018, Adams2019; either spelling is accepted.
  const std::string name = lowerCase(autoscheduler);
  const std::vector<std::string> &known = autoschedulerNames();
  if (std::find(known.begin(), known.end(), name) == known.end()) {
    error = "unknown autoscheduler '" + std::string(autoscheduler) + "' (expected " +
            choiceList(known) + ")";
    return std::nullopt;
  }
  return ScheduleRequest(*kind, name);
}

} // namespace cnnc::schedule
