// The explicit list of built-in operators.
#include "compiler/ir/OpRegistry.h"

#include "compiler/ops/Ops.h"

namespace cnnc::ir {

const OpRegistry &OpRegistry::builtin() {
  static const OpRegistry registry({
      ops::conv2d(),
      ops::pad(),
      ops::maxPool2d(),
      ops::avgPool2d(),
      ops::globalAvgPool2d(),
      ops::globalMaxPool2d(),
      ops::batchNorm(),
      ops::relu(),
      ops::relu6(),
      ops::sigmoid(),
      ops::tanh(),
      ops::leakyRelu(),
      ops::add(),
      ops::concat(),
      ops::flatten(),
      ops::linear(),
      ops::softmax(),
  });
  return registry;
}

const OpDef *OpRegistry::find(std::string_view name) const {
  for (const OpDef &op : ops_)
    if (op.name == name)
      return &op;
  return nullptr;
}

} // namespace cnnc::ir
