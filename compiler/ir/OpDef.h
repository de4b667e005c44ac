// Everything cnnc knows about one operator, in one place (STYLE.md 1.4): its arity,
// typed attributes, shape rule, weights, reference semantics and cost. Each operator
// defines its OpDef in compiler/ops/<Op>.cpp; passes, the checker and the CLI ask the
// OpDef and never switch on an operator's name.
#pragma once

#include "compiler/ir/Attrs.h"
#include "compiler/ir/Graph.h"
#include "compiler/ir/TensorType.h"
#include "compiler/ir/WindowGeometry.h"
#include "dsl/Diagnostic.h"

#include <optional>
#include <string>
#include <vector>

namespace Halide {
class Func;
} // namespace Halide

namespace cnnc::lower {
struct LowerContext;
} // namespace cnnc::lower

namespace cnnc::ir {

class AttrReader;
struct RefTensor;

/// How an attribute is written, for the checker's messages and the language reference.
struct AttrSpec {
  std::string name;
  std::string type;         // "int", "int or (h, w)", "float", "bool", "mode", ...
  std::string defaultValue; // as documented; empty when required
  bool positional = false;  // may also be given positionally after the tensors (pad)
};

/// What a shape rule sees: the node (attributes, locations) and its operands' shapes.
struct ShapeContext {
  const Node &node;
  const std::vector<Shape> &inputs;
  dsl::DiagnosticEngine &diags;
};

/// What a reference implementation sees. Values are double: the reference evaluator
/// accumulates in double so it can serve as the oracle for f32 schedules.
struct RefContext {
  const Node &node;
  const std::vector<const RefTensor *> &inputs;
  const std::vector<const RefTensor *> &weights; // in the order of OpDef::weights
  RefTensor &output;
};

struct OpDef {
  explicit OpDef(std::string opName) : name(std::move(opName)) {}

  std::string name;
  std::string summary;         // one line, for the language reference
  std::string torchEquivalent; // e.g. torch.nn.functional.max_pool2d
  int minTensors = 1;
  int maxTensors = 1; // -1: any number (concat)
  std::vector<AttrSpec> attrs;

  /// Reads and checks the attributes, reporting bad values at the value.
  std::optional<Attrs> (*buildAttrs)(AttrReader &reader) = nullptr;
  /// The output shape, or nullopt after reporting why the inputs do not fit.
  std::optional<Shape> (*inferShape)(const ShapeContext &context) = nullptr;
  /// The layer's weights in PyTorch's shapes; null for a layer without weights.
  std::vector<WeightSpec> (*weights)(const Node &node, const std::vector<Shape> &inputs) = nullptr;
  /// Naive loops that define what the operator means: the test oracle.
  void (*reference)(const RefContext &context) = nullptr;
  /// Floating-point operations of one evaluation (a multiply-add counts 2).
  int64_t (*flops)(const Node &node, const std::vector<Shape> &inputs) = nullptr;
  /// How each spatial axis of the output reads operand `operand` (`cnnc explain`:
  /// receptive fields, border shares, pixels that never matter). Null for a layer that
  /// reads each position at its own coordinates (pointwise layers, linear on [N, F]).
  AxisWindow (*axisWindow)(const Node &node, const std::vector<Shape> &inputs, size_t operand,
                           SpatialAxis axis) = nullptr;
  /// The pure Halide algorithm (no scheduling: STYLE.md 1.7).
  Halide::Func (*lower)(const lower::LowerContext &context) = nullptr;
  /// Whether `lower` can compute the layer by Winograd's minimal filtering F(2x2, 3x3)
  /// instead (LowerContext::winograd): a schedule's choice of algorithm, made per node
  /// (LowerOptions::winograd). Null for layers that have no such form.
  bool (*admitsWinograd)(const Node &node, const std::vector<Shape> &inputs) = nullptr;

  /// How schedules treat the layer. Pointwise layers (activations, add, pad,
  /// batch-norm) read each input at or near the output coordinate, so the fused
  /// schedule inlines them into their consumer; window layers (conv, pooling) are
  /// stages of their own.
  bool pointwise = false;
  /// A per-channel affine layer (batch-norm): out = in * scale(c) + shift(c). Fills the
  /// two functions from the layer's weights, so the lowering can fold the layer into a
  /// producer that `absorbsChannelAffine`.
  void (*channelAffine)(const lower::LowerContext &context, Halide::Func &scale,
                        Halide::Func &shift) = nullptr;
  /// The layer can fold a following per-channel affine layer into its weights and bias
  /// (conv2d).
  bool absorbsChannelAffine = false;
  /// A window layer (pooling) whose producer the fused schedule computes per tile of
  /// this layer's output, so the producer's full output is never stored.
  bool computesProducerPerTile = false;
  /// Whether this window layer (a conv2d without groups) may be the host of its
  /// producers the same way, on the fused schedule's stricter terms for convolutions
  /// (Fused.cpp's joinRegion: the producer reads no other tensor, is not small, and its
  /// recomputed rows stay few). Null: never.
  bool (*hostsProducerRows)(const Node &node) = nullptr;
  /// An explicit padding layer: the fused schedule never materializes it; it becomes
  /// the boundary condition of whatever reads it.
  bool foldsIntoConsumer = false;
};

} // namespace cnnc::ir
