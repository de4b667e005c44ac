// The state of one import while ONNX nodes are converted in order: what each ONNX
// value stands for (a network tensor or a constant), the .cnn program built so far
// with every tensor's checked shape, and the diagnostics. Converters (Converters.h)
// read their node's inputs and attributes through it and add layers to it.
#pragma once

#include "compiler/import/onnx/CnnProgram.h"
#include "compiler/import/onnx/Constant.h"
#include "compiler/import/onnx/OnnxModel.h"
#include "compiler/ir/Graph.h"
#include "dsl/Diagnostic.h"

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace cnnc::onnximport {

/// What an ONNX value name stands for.
struct Value {
  enum class Kind { Tensor, Constant, Poisoned };
  Kind kind = Kind::Poisoned;
  TensorRef tensor;
  Constant constant;
};

class ConvertContext {
public:
  ConvertContext(const onnx::GraphProto &graph, int64_t opset, dsl::DiagnosticEngine &diags);

  int64_t opset() const { return opset_; }
  CnnProgram &program() { return program_; }
  const onnx::GraphProto &graph() const { return graph_; }

  /// Reports `message` about `node` as "node 'NAME' (OP): message"; returns false.
  bool fail(const onnx::NodeProto &node, const std::string &message);
  /// Reports an error that concerns no node.
  void error(const std::string &message);

  // --- inputs -------------------------------------------------------------------
  /// Whether input `i` is given (ONNX marks an omitted optional input with "").
  static bool hasInput(const onnx::NodeProto &node, int i);
  /// The value of input `i`, or nullptr (after reporting) when it is not defined.
  const Value *input(const onnx::NodeProto &node, int i);
  /// Input `i` as a network tensor; reports when it is a constant.
  std::optional<TensorRef> tensorInput(const onnx::NodeProto &node, int i);
  /// Input `i` as a constant; `what` names it in the message ("pads").
  const Constant *constantInput(const onnx::NodeProto &node, int i, const std::string &what);
  /// Requires exactly `min`..`max` inputs and that only output 0 is used.
  bool checkArity(const onnx::NodeProto &node, int minInputs, int maxInputs);

  // --- attributes -----------------------------------------------------------------
  /// Reports the first attribute of `node` not in `known`.
  bool checkAttributes(const onnx::NodeProto &node, const std::set<std::string> &known);
  const onnx::AttributeProto *attribute(const onnx::NodeProto &node, const std::string &name) const;
  int64_t attrInt(const onnx::NodeProto &node, const std::string &name, int64_t fallback) const;
  float attrFloat(const onnx::NodeProto &node, const std::string &name, float fallback) const;
  std::string attrString(const onnx::NodeProto &node, const std::string &name,
                         const std::string &fallback) const;
  std::vector<int64_t> attrInts(const onnx::NodeProto &node, const std::string &name,
                                std::vector<int64_t> fallback) const;

  // --- values ---------------------------------------------------------------------
  void defineTensor(const std::string &valueName, TensorRef tensor);
  void defineConstant(const std::string &valueName, Constant constant);
  void poison(const std::string &valueName);
  const Value *find(const std::string &valueName) const;
  /// How many nodes read the value, plus one if it is a graph output.
  int useCount(const std::string &valueName) const;
  /// The node that reads `valueName`, when exactly one does (nullptr otherwise).
  const onnx::NodeProto *soleConsumer(const std::string &valueName) const;
  /// Marks a later node as converted already (a MatMul's bias Add).
  void absorb(const onnx::NodeProto &node) { absorbed_.push_back(&node); }
  bool isAbsorbed(const onnx::NodeProto &node) const;
  /// Undoes absorb() calls after the first `count` (their absorbing node failed).
  size_t absorbedCount() const { return absorbed_.size(); }
  void forgetAbsorbedAfter(size_t count) { absorbed_.resize(count); }

  // --- layers ---------------------------------------------------------------------
  /// Adds a layer made for `node` and returns its output tensor.
  TensorRef addLayer(const onnx::NodeProto &node, CnnLayer layer);
  /// The checked shape of a tensor of the program.
  const ir::Shape &shapeOf(TensorRef tensor) const;
  /// Checks the layers added since `firstNewLayer` with cnnc's own checker (shape
  /// rules included), reporting its errors against `node`; on failure removes them.
  bool checkNewLayers(const onnx::NodeProto &node, size_t firstNewLayer);

private:
  void nameProvisionally();

  const onnx::GraphProto &graph_;
  int64_t opset_;
  dsl::DiagnosticEngine &diags_;
  CnnProgram program_;
  std::map<std::string, Value> values_;
  std::map<std::string, std::vector<const onnx::NodeProto *>> consumers_;
  std::set<std::string> graphOutputs_;
  std::vector<const onnx::NodeProto *> absorbed_;
  std::vector<ir::Shape> inputShapes_;
  std::vector<ir::Shape> layerShapes_;
};

} // namespace cnnc::onnximport
