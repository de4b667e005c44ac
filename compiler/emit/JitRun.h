// Just-in-time compilation of a scheduled network for this machine, and running it
// (`cnnc run`, `cnnc bench`).
#pragma once

#include "cnnc/runtime/Expected.h"
#include "compiler/eval/Reference.h"
#include "compiler/ir/Graph.h"
#include "compiler/schedule/ScheduleKind.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace cnnc::emit {

/// What one run allocated on the heap for itself: the intermediate buffers Halide
/// mallocs (counted through the JIT's malloc and free hooks). The caller's inputs,
/// weights and outputs are not in it, nor are the small fixed-size buffers Halide
/// places on the stack.
struct RunStats {
  int64_t peakBytes = 0;   // the most bytes live at one time
  int64_t allocations = 0; // number of mallocs
};

/// A network compiled for the host. Halide errors (our bugs, or a resource limit) and
/// an autoscheduler that cannot be loaded come back as an Error, never as an exception
/// or an abort.
class JitNetwork {
public:
  static rt::Expected<JitNetwork> compile(const ir::Graph &graph,
                                          const schedule::ScheduleRequest &request);

  JitNetwork(JitNetwork &&) noexcept;
  JitNetwork &operator=(JitNetwork &&) noexcept;
  ~JitNetwork();

  /// Binds weights already checked against the graph: runs the weight-preparation
  /// pipeline once and keeps its results (and a reference to `weights`, which must
  /// outlive every run). Required before run().
  rt::Status bindWeights(const eval::TensorMap &weights);
  /// Runs once on inputs already checked against the graph; `outputs` must already
  /// have the output shapes (reused across runs to time only the pipeline).
  rt::Status run(const eval::TensorMap &inputs, eval::TensorMap &outputs);
  /// Output tensors of the right shapes, zero-filled.
  eval::TensorMap makeOutputs() const;
  /// What the schedule decided, one line per decision (--explain-schedule).
  const std::vector<std::string> &scheduleDecisions() const;
  /// Allocation counters of the last successful run().
  RunStats lastRunStats() const;

private:
  struct State;
  explicit JitNetwork(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

/// Compiles and runs once. `decisions`, if given, receives the schedule's decision
/// lines once the network has compiled (even if running it fails).
rt::Expected<eval::TensorMap> runJit(const ir::Graph &graph,
                                     const schedule::ScheduleRequest &request,
                                     const eval::TensorMap &weights, const eval::TensorMap &inputs,
                                     std::vector<std::string> *decisions = nullptr);

} // namespace cnnc::emit
