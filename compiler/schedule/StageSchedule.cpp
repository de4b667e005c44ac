// Loop schedules for single stages.
#include "compiler/schedule/StageSchedule.h"

#include "compiler/lower/LowerHelpers.h"

namespace cnnc::schedule {

using lower::TensorVars;

int vectorWidthFor(const Halide::Target &target, int64_t innermostExtent) {
  int width = target.natural_vector_size(Halide::Float(32));
  while (width > 1 && width > innermostExtent)
    width /= 2;
  return width >= 4 ? width : 0;
}

namespace {

const Halide::Var &innermost(size_t rank) { return rank == 4 ? TensorVars::x() : TensorVars::f(); }
const Halide::Var &parallelVar(size_t rank) { return rank == 4 ? TensorVars::c() : TensorVars::n(); }

/// GuardWithIf keeps extents that are not a multiple of the vector width exact, which
/// output buffers of static size require.
void vectorizeAll(Halide::Func &func, const Halide::Var &var, int width) {
  if (width == 0)
    return;
  func.vectorize(var, width, Halide::TailStrategy::GuardWithIf);
  for (int u = 0; u < func.num_update_definitions(); ++u)
    func.update(u).vectorize(var, width, Halide::TailStrategy::GuardWithIf);
}

} // namespace

Halide::Var scheduleStoredStage(Halide::Func &func, const ir::Shape &shape,
                                const Halide::Target &target, int rowsPerTile) {
  const size_t rank = shape.size();
  const int64_t innerExtent = shape.back();
  func.compute_root();
  func.parallel(parallelVar(rank));
  for (int u = 0; u < func.num_update_definitions(); ++u)
    func.update(u).parallel(parallelVar(rank));
  vectorizeAll(func, innermost(rank), vectorWidthFor(target, innerExtent));
  Halide::Var tile("yo"), row("yi");
  if (rank != 4 || rowsPerTile <= 0)
    return tile;
  // Every definition gets the same tile loop, so a producer computed at `tile` finds
  // it in the final stage, where compute_at looks.
  func.split(TensorVars::y(), tile, row, rowsPerTile, Halide::TailStrategy::GuardWithIf);
  for (int u = 0; u < func.num_update_definitions(); ++u)
    func.update(u).split(TensorVars::y(), tile, row, rowsPerTile,
                         Halide::TailStrategy::GuardWithIf);
  return tile;
}

void scheduleInnerStage(Halide::Func &func, const ir::Shape &shape, const Halide::Target &target) {
  vectorizeAll(func, innermost(shape.size()), vectorWidthFor(target, shape.back()));
}

void boundToShape(Halide::Func &func, const ir::Shape &shape) {
  const std::vector<Halide::Var> args = lower::tensorArgs(shape.size());
  for (size_t d = 0; d < args.size(); ++d)
    func.bound(args[d], 0, lower::i32(shape[shape.size() - 1 - d]));
}

} // namespace cnnc::schedule
