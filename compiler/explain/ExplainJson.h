// `cnnc explain --json`: the same figures as the table, as JSON ("cnnc-explain/1").
#pragma once

#include "compiler/explain/Explanation.h"

#include <string>

namespace cnnc::explain {

std::string explanationJson(const ir::Graph &graph, const NetworkExplanation &explanation);

} // namespace cnnc::explain
