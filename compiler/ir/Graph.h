// The checked graph: network inputs and layers in topological order, each with its
// typed attributes, its inferred shape and the source locations errors point at.
#pragma once

#include "compiler/ir/Attrs.h"
#include "compiler/ir/TensorType.h"
#include "dsl/SourceLocation.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace cnnc::ir {

struct OpDef;
using dsl::SourceLocation;

using NodeId = size_t;

struct Node {
  std::string name;
  SourceLocation nameLoc;
  const OpDef *op = nullptr; // null for a network input
  SourceLocation opLoc;
  std::vector<NodeId> operands;
  std::vector<SourceLocation> operandLocs;
  Attrs attrs;
  /// Where each attribute's value was written, for diagnostics only: nothing reads
  /// attribute values by name after BuildGraph.
  std::map<std::string, SourceLocation> attrValueLocs;
  Shape shape;
  /// False when this node or one it depends on failed checking; its consumers then
  /// stay silent, so one mistake gives one message.
  bool valid = true;

  bool isInput() const { return op == nullptr; }
  SourceLocation attrLoc(const std::string &attr) const;
};

struct Graph {
  std::string name;
  SourceLocation nameLoc;
  std::vector<Node> nodes; // topological order: operands come before their users
  std::vector<NodeId> inputs;
  std::vector<NodeId> outputs;

  std::optional<NodeId> find(const std::string &nodeName) const;
  /// For each node, the nodes that read it, in node order.
  std::vector<std::vector<NodeId>> users() const;
};

/// A weight tensor of a layer: `<layer>.<suffix>` in safetensors, in PyTorch's shape.
struct WeightSpec {
  std::string suffix;
  Shape shape;
  /// Must be positive (a running variance): random test data respects it.
  bool positive = false;
};

/// Every weight of every layer, as `name -> shape` in node order.
struct NamedWeight {
  std::string name;
  NodeId node;
  WeightSpec spec;
};
std::vector<NamedWeight> graphWeights(const Graph &graph);

/// The shapes of a node's operands, in order.
std::vector<Shape> operandShapes(const Graph &graph, const Node &node);

} // namespace cnnc::ir
