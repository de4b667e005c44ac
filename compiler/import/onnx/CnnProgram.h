// The network being imported, as the .cnn statements it will become: inputs, layers
// (operator, operand tensors, attributes already spelled in .cnn syntax, weights) and
// outputs. Layer names are assigned once the whole model is converted (LayerNames.h),
// since a readable name depends on the other layers of the same PyTorch module.
#pragma once

#include "cnnc/runtime/Tensor.h"

#include <string>
#include <utility>
#include <vector>

namespace cnnc::onnximport {

/// A tensor of the program: a network input or a layer's output, by index.
struct TensorRef {
  bool isInput = false;
  size_t index = 0;
  bool operator==(const TensorRef &o) const { return isInput == o.isInput && index == o.index; }
};

struct CnnInput {
  std::string name;
  std::vector<int64_t> shape;
};

struct CnnAttr {
  std::string key;
  std::string value; // .cnn syntax: `3`, `(1, 2)`, `reflect`, `1e-05`, `false`
};

struct CnnLayer {
  std::string name; // set by assignLayerNames
  std::string op;
  std::vector<TensorRef> operands;
  std::vector<CnnAttr> attrs;
  /// `<layer>.<suffix>` in the weights file, in PyTorch's shapes.
  std::vector<std::pair<std::string, rt::Tensor>> weights;
  // Where it came from, for names, comments and messages.
  std::string onnxNode;
  std::string onnxOp;
  /// The PyTorch module path its weights are named after ("layer1.0.conv1"), if any.
  std::string modulePathHint;
  /// Set when one ONNX node needs several layers: "pad" for a convolution's
  /// asymmetric padding. The layer is then named `<main layer>_<role>`.
  std::string role;
};

struct CnnProgram {
  std::string name;
  std::vector<std::string> headerComments;
  std::vector<CnnInput> inputs;
  std::vector<CnnLayer> layers;
  std::vector<TensorRef> outputs;

  const std::string &nameOf(TensorRef ref) const {
    return ref.isInput ? inputs[ref.index].name : layers[ref.index].name;
  }
};

} // namespace cnnc::onnximport
