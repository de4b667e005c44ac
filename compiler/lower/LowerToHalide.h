// Graph -> Halide pipeline (algorithm only: no scheduling here, STYLE.md 1.7).
#pragma once

#include "compiler/ir/Graph.h"
#include "compiler/lower/LowerContext.h"

#include <Halide.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace cnnc::lower {

/// The lowered network: two pipelines. `prepare` runs once per set of weights: its
/// arguments are the raw weights it reads (prepareWeights), its outputs the prepared
/// weights. The network's arguments, in this order, are the inputs (declaration
/// order), the raw weights it still reads directly (runWeights), the prepared weights,
/// then the outputs (graph output order). Every buffer is f32 with the tensor's
/// dimensions reversed (innermost first), dense, with mins at zero.
struct LoweredNetwork {
  std::vector<Halide::ImageParam> inputs;
  std::vector<Halide::ImageParam> weights; // raw, ir::graphWeights order, PyTorch layouts
  std::vector<std::string> weightNames;    // "conv1.weight", parallel to `weights`
  std::vector<PreparedWeight> prepared;
  std::vector<Halide::Func> outputs;
  /// Every node's function (a folded pad or batch-norm maps to the function that
  /// absorbed it); schedules look nodes up here.
  std::vector<LoweredTensor> nodeFuncs;
  /// Nodes whose work was folded into their producer or consumer and that therefore
  /// have no stage of their own (batch-norm folded into a conv).
  std::vector<bool> foldedAway;

  /// Indices into `weights` of the raw weights each pipeline reads, in order. Known
  /// once lowering is done (what a pipeline reads does not depend on its schedule).
  std::vector<size_t> runWeights, prepareWeights;

  /// The arguments of the network's AOT function / JIT realization, in order.
  std::vector<Halide::Argument> arguments() const;
  Halide::Pipeline pipeline() const { return Halide::Pipeline(outputs); }

  /// The weight-preparation pipeline and its arguments; no pipeline when nothing is
  /// prepared.
  std::vector<Halide::Argument> prepareArguments() const;
  std::optional<Halide::Pipeline> preparePipeline() const;
};

/// A C identifier for a tensor name, unique among the network's arguments:
/// "conv1.weight" -> "conv1_weight".
std::string halideArgumentName(const std::string &tensorName);

struct LowerOptions {
  /// Fold batch-norm into the preceding convolution's weights and bias. The unfused
  /// baseline keeps every layer, batch-norm included, as a stage of its own.
  bool foldBatchNorm = true;
  /// Per node: compute this layer by Winograd's F(2x2, 3x3) (LowerContext::winograd),
  /// where its OpDef admits it. The schedule that asks must also schedule it
  /// (schedule/WinogradSchedule.h). Empty: nowhere.
  std::vector<bool> winograd;
  /// Per node computed by Winograd: the first row of its tiles modulo 2
  /// (WinogradFuncs::rowOffset). Empty: 0 everywhere.
  std::vector<int> winogradRowOffset;
  /// Per node: its padding reads its first operand's rows unclamped
  /// (LowerContext::unclampedRows; the fused schedule's FusionPlan::unclampedRows).
  /// Empty: nowhere.
  std::vector<bool> unclampedRows;
  /// Per node: the schedule stores this layer whole by loops that unroll each narrow
  /// row's pixels and taps (StageSchedule.cpp, scheduleChannelVectors), so a
  /// convolution may leave out the taps that read zero padding
  /// (LowerContext::skipPaddingTaps). Empty: nowhere.
  std::vector<bool> skipPaddingTaps;
};

LoweredNetwork lowerToHalide(const ir::Graph &graph, const LowerOptions &options = {});

} // namespace cnnc::lower
