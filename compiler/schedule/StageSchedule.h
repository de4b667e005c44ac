// Loop schedules for one stored stage, shared by the unfused and fused schedules.
#pragma once

#include "compiler/ir/TensorType.h"

#include <Halide.h>

namespace cnnc::schedule {

/// The f32 vector width for `target`, or a narrower power of two when the innermost
/// extent is smaller (0: do not vectorize).
int vectorWidthFor(const Halide::Target &target, int64_t innermostExtent);

/// A stage stored in a buffer of its own: parallel over channels (rank 4) or batch
/// (rank 2), vectorized along the innermost dimension, pure and update definitions
/// alike. `rowsPerTile` > 0 also splits rows into tiles (returned var: the tile index).
Halide::Var scheduleStoredStage(Halide::Func &func, const ir::Shape &shape,
                                const Halide::Target &target, int rowsPerTile);

/// A stage computed inside another stage's loops: only vectorized.
void scheduleInnerStage(Halide::Func &func, const ir::Shape &shape, const Halide::Target &target);

/// Output functions have the tensor's static extent (SPEC: static shapes).
void boundToShape(Halide::Func &func, const ir::Shape &shape);

} // namespace cnnc::schedule
