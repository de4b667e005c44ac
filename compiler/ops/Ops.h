// The built-in operators, one factory per operator, each defined in its own file.
#pragma once

#include "compiler/ir/OpDef.h"

namespace cnnc::ops {

ir::OpDef conv2d();
ir::OpDef pad();
ir::OpDef maxPool2d();
ir::OpDef avgPool2d();
ir::OpDef globalAvgPool2d();
ir::OpDef globalMaxPool2d();
ir::OpDef batchNorm();
ir::OpDef relu();
ir::OpDef relu6();
ir::OpDef sigmoid();
ir::OpDef tanh();
ir::OpDef leakyRelu();
ir::OpDef add();
ir::OpDef concat();
ir::OpDef flatten();
ir::OpDef linear();
ir::OpDef softmax();

} // namespace cnnc::ops
