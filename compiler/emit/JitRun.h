// Just-in-time compilation and one run of a scheduled network (`cnnc run`).
#pragma once

#include "cnnc/runtime/Expected.h"
#include "compiler/eval/Reference.h"
#include "compiler/ir/Graph.h"
#include "compiler/schedule/Schedule.h"

namespace cnnc::emit {

/// Lowers `graph`, applies `kind`, JIT-compiles for the host and runs once on tensors
/// already bound and checked against the graph. Halide errors (our bugs, or a
/// resource limit) come back as an Error, never as an exception or an abort.
rt::Expected<eval::TensorMap> runJit(const ir::Graph &graph, schedule::ScheduleKind kind,
                                     const eval::TensorMap &weights, const eval::TensorMap &inputs);

} // namespace cnnc::emit
