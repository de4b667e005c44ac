// Loop schedules for one stage, shared by the unfused and fused schedules.
//
// A stage is a function that is stored (in its own buffer, or in a tile buffer inside
// another stage's loops), plus optionally the accumulator of a reduction (conv2d,
// linear) that it copies. The stage is tiled into blocks of one vector of x by a few
// output channels, and the accumulator is computed per block, so a convolution's sums
// stay in registers and are written once (FACTS.md: accumulating in memory cost 5x).
#pragma once

#include "compiler/ir/Graph.h"
#include "compiler/ir/TensorType.h"
#include "compiler/lower/LowerToHalide.h"

#include <Halide.h>

namespace cnnc::schedule {

struct Tiling {
  int vector = 0;       // f32 lanes of one vector (0: not vectorized)
  int xVectors = 1;     // vectors of x per block
  int channelBlock = 1; // output channels per block (divides the channel count)
  bool channelVectors = false; // vectors across output channels, not x (see .cpp)
  int rowsPerTile = 0;  // rows per parallel chunk (0: none); producers are computed in chunks
  /// A Winograd stage's transformed input and products per register block of tiles,
  /// not per column block: a convolution host's region, where every chunk in flight
  /// holds them beside its folded rows (scheduleWinogradStage).
  bool winogradPerRegisterBlock = false;
};

/// The f32 vector width for `target`, or a narrower power of two when the innermost
/// extent is smaller (0: do not vectorize).
int vectorWidthFor(const Halide::Target &target, int64_t innermostExtent);

/// A tiling for a stage of `shape`: the target's vector width, up to 8 output channels
/// per block, and two vectors of x per block where there are 32 vector registers
/// (AVX-512): 16 accumulators, and each weight broadcast feeds two FMAs. AVX2's 16
/// registers hold 8 accumulators and the operands. Rows whose blocks of two vectors
/// would compute more pixels than blocks of one (38 pixels: 64 against 48) take one.
Tiling tilingFor(const ir::Shape &shape, const Halide::Target &target, int rowsPerTile);

/// The functions of one stage. Only `stored` is required.
struct StageFuncs {
  Halide::Func stored;      // the value the stage writes
  Halide::Func accumulator; // a reduction `stored` copies (conv2d, linear), per block
  Halide::Func windowInput; // a window layer's padded input, per row of `stored`
  int64_t weightBytes = 0;  // the weights the reduction reads (loop order, see .cpp)
  int64_t channelBlock = 0; // the weight layout's block (LoweredTensor::channelBlock)
  bool windowInputPerChannel = false; // LoweredTensor::windowInputPerChannel
  bool paddingTapsSkipped = false;    // LoweredTensor::paddingTapsSkipped
  /// A convolution lowered by Winograd's algorithm (then `accumulator` is its output
  /// transform): scheduled by scheduleWinogradStage. Null otherwise.
  const lower::WinogradFuncs *winograd = nullptr;
};

/// The loops a producer computed inside a stored stage can be placed at.
struct TileLoops {
  Halide::LoopLevel store;   // one parallel chunk of rows: where such a producer is allocated
  Halide::LoopLevel compute; // one row of the chunk (a serial loop inside `store`)
};

/// Stores the stage in a buffer of its own, parallel over rows (or over chunks of
/// `rowsPerTile` rows, each run row by row), blocked as above, and returns where
/// producers can be stored and computed inside it. `description`, if given, receives
/// the loop decisions in words (--explain-schedule).
TileLoops scheduleStoredStage(const StageFuncs &stage, const ir::Shape &shape,
                              const Tiling &tiling, std::string *description = nullptr);

/// The same blocking for a stage computed inside another stage's loops (no parallel
/// loop of its own).
void scheduleInnerStage(const StageFuncs &stage, const ir::Shape &shape, const Tiling &tiling,
                        std::string *description = nullptr);

/// Output functions have the tensor's static extent (SPEC: static shapes).
void boundToShape(Halide::Func func, const ir::Shape &shape);

/// What every hand-written schedule ends with: each output bound to its static shape.
void scheduleOutputs(const ir::Graph &graph, lower::LoweredNetwork &network);

} // namespace cnnc::schedule
