// --explain-schedule output.
#include "compiler/cli/ExplainSchedule.h"

namespace cnnc::cli {

void printScheduleDecisions(std::ostream &out, const std::string &network,
                            const schedule::ScheduleRequest &request,
                            const std::vector<std::string> &decisions) {
  out << "schedule " << schedule::describe(request) << " for " << network << ":\n";
  if (decisions.empty())
    out << "  (no decisions: the schedule was not applied)\n";
  for (const std::string &line : decisions)
    out << "  " << line << "\n";
  out.flush();
}

} // namespace cnnc::cli
