// SPEC's definition of "equal" for output tensors.
#pragma once

#include "compiler/eval/Reference.h"

#include <optional>
#include <string>

namespace cnnc::eval {

/// With S = max|expected| over a tensor, every element must satisfy
/// |got - expected| <= 1e-4 * (|expected| + 0.1 * S). Returns a description of the
/// first tensor that differs (its name, element count outside tolerance, worst
/// element), or nullopt when all agree.
std::optional<std::string> compareOutputs(const TensorMap &expected, const TensorMap &got);

} // namespace cnnc::eval
