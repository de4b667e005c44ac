// Printing a schedule's decisions (`--explain-schedule` on `cnnc run` and `cnnc
// compile`). The schedules return the lines; only the command line prints them.
#pragma once

#include "compiler/schedule/ScheduleKind.h"

#include <ostream>
#include <string>
#include <vector>

namespace cnnc::cli {

/// "schedule fused for vgg_head:" then each decision on its own indented line.
void printScheduleDecisions(std::ostream &out, const std::string &network,
                            const schedule::ScheduleRequest &request,
                            const std::vector<std::string> &decisions);

} // namespace cnnc::cli
