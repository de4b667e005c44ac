// The auto schedule: one of the autoschedulers shipped with Halide 14 decides every
// function's schedule from the pipeline and the shapes alone.
#pragma once

#include "compiler/ir/Graph.h"
#include "compiler/lower/LowerToHalide.h"

#include <Halide.h>
#include <string>
#include <vector>

namespace cnnc::schedule {

/// Where the autoscheduler plugins (libautoschedule_NAME.so) are: the environment
/// variable CNNC_HALIDE_AUTOSCHEDULER_DIR if set, else the directory of Halide's
/// plugins found when cnnc was configured.
std::string autoschedulerPluginDir();

/// What the autoschedulers are told about this machine (see Auto.cpp for the choices);
/// CNNC_AUTOSCHEDULER_MACHINE_PARAMS="parallelism,cache_bytes,balance" overrides it.
Halide::MachineParams hostMachineParams();

/// Loads the plugin of `autoscheduler` (one of autoschedulerNames()) once per process,
/// gives every input, weight and output its static extents as estimates, and runs it.
/// Returns the decisions: the autoscheduler and its parameters, then one line per
/// layer (stored, computed per tile of another, or inlined and never stored; which
/// loops are parallel and vectorized). Throws ScheduleError when the plugin cannot be
/// loaded, Halide::Error when the autoscheduler fails.
std::vector<std::string> scheduleAuto(const ir::Graph &graph, lower::LoweredNetwork &network,
                                      const std::string &autoscheduler,
                                      const Halide::Target &target);

} // namespace cnnc::schedule
