// The schedules a network can be compiled with, by name. Kept apart from Schedule.h
// so that code which only names a schedule (the CLI) does not include Halide.h.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cnnc::schedule {

enum class ScheduleKind {
  Unfused, // every layer, explicit pads included, in its own buffer
  Fused,   // pads folded into loads, conv+bn+activation one stage, pools from conv tiles
  Auto,    // whatever one of Halide's autoschedulers decides
};

std::optional<ScheduleKind> parseScheduleKind(std::string_view name);
const char *scheduleName(ScheduleKind kind);

/// The autoschedulers shipped with Halide 14 (plugins of Debian's libhalide14-0), by
/// the names `--autoscheduler` takes.
const std::vector<std::string> &autoschedulerNames();

/// What `--schedule auto` runs when no `--autoscheduler` is given. Chosen by
/// measurement; the numbers are in ScheduleKind.cpp and docs/schedules.md.
extern const char *const kDefaultAutoscheduler;

/// A schedule as requested on the command line: which one, and for `auto` which
/// autoscheduler (always one of autoschedulerNames(); empty for the others).
struct ScheduleRequest {
  ScheduleKind kind = ScheduleKind::Fused;
  std::string autoscheduler;

  ScheduleRequest() = default;
  /// `auto` gets the default autoscheduler. Implicit: a kind alone is a request.
  ScheduleRequest(ScheduleKind scheduleKind); // NOLINT(google-explicit-constructor)
  ScheduleRequest(ScheduleKind scheduleKind, std::string autoschedulerName);
};

/// "fused", "unfused", "auto:mullapudi2016": for progress lines, tables and the
/// provenance comment of generated headers; parseScheduleRequest reads it back.
std::string describe(const ScheduleRequest &request);

/// Checks a `--schedule S [--autoscheduler A]` pair; S may also be "auto:A".
/// `autoscheduler` is empty when not given. On a mistake returns nullopt and sets
/// `error` to a message that lists the choices ("unknown autoscheduler 'x' (expected
/// mullapudi2016, li2018 or adams2019)").
std::optional<ScheduleRequest>
parseScheduleRequest(std::string_view schedule, std::string_view autoscheduler, std::string &error);

} // namespace cnnc::schedule
