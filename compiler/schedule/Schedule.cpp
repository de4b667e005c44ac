// Entry point of the schedules, and the one place that maps names to them.
#include "compiler/schedule/Schedule.h"

#include "compiler/schedule/Auto.h"
#include "compiler/schedule/Fused.h"
#include "compiler/schedule/FusionPlan.h"
#include "compiler/schedule/Unfused.h"

namespace cnnc::schedule {

lower::LowerOptions lowerOptionsFor(const ir::Graph &graph, ScheduleKind kind,
                                    const Halide::Target &target) {
  lower::LowerOptions options;
  // The auto schedule gets the fused schedule's algorithm (batch-norm folded into the
  // convolution's weights and bias): folding is a rewrite of the algorithm, not a
  // scheduling choice, and no autoscheduler can discover it. With the same algorithm,
  // fused against auto compares the schedules alone.
  options.foldBatchNorm = kind == ScheduleKind::Fused || kind == ScheduleKind::Auto;
  // Winograd's algorithm is the fused schedule's: its tiles are what the schedule
  // computes per row of a pooling, and its loops are scheduled by hand
  // (WinogradSchedule.h). The unfused baseline stays the direct sum, layer by layer.
  // One plan gives both the nodes and their tiles' row offsets (winogradNodes is the
  // nodes alone).
  if (kind == ScheduleKind::Fused &&
      target.natural_vector_size(Halide::Float(32)) >= kWinogradMinLanes) {
    const FusionPlan plan = planFusion(graph);
    options.winograd = plan.winograd;
    options.winogradRowOffset = plan.winogradRowOffset;
  }
  // Where a stage is stored alone, a convolution of narrow rows may leave out the taps
  // that read zero padding (lower::LowerOptions::skipPaddingTaps): the unfused
  // baseline's stages all are, so fused against unfused still measures fusion alone.
  if (kind == ScheduleKind::Fused) {
    const FusionPlan plan = planFusion(graph);
    options.unclampedRows = plan.unclampedRows;
    options.skipPaddingTaps = storedAlone(graph, plan);
  }
  if (kind == ScheduleKind::Unfused)
    options.skipPaddingTaps.assign(graph.nodes.size(), true);
  return options;
}

std::vector<std::string> applySchedule(const ir::Graph &graph, lower::LoweredNetwork &network,
                                       const ScheduleRequest &request,
                                       const Halide::Target &target) {
  switch (request.kind) {
  case ScheduleKind::Unfused:
    return scheduleUnfused(graph, network, target);
  case ScheduleKind::Fused:
    return scheduleFused(graph, network, target);
  case ScheduleKind::Auto:
    return scheduleAuto(graph, network, request.autoscheduler, target);
  }
  return {};
}

} // namespace cnnc::schedule
