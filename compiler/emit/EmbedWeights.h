// Weights compiled into a network's library (`cnnc compile --weights`): a second
// generated function, NAME_embedded_weights, copies them out of constant data in the
// library into the runtime's buffers, so a program needs no weights file.
#pragma once

#include "compiler/emit/EmitWrapperHeader.h"
#include "cnnc/runtime/Tensor.h"

#include <Halide.h>

#include <string>
#include <vector>

namespace cnnc::emit {

/// The name of the function that yields `functionName`'s embedded weights.
std::string embeddedWeightsFunctionName(const std::string &functionName);

/// A module with one function, embeddedWeightsFunctionName(functionName)(user_context,
/// out...), whose outputs are `tensors` (validated against `specs`, same order) in the
/// layout the network's pipeline takes them, held as constants in the module. Append
/// its functions and buffers to the network's module to ship both in one library.
Halide::Module embeddedWeightsModule(const std::string &functionName,
                                     const std::vector<WrapperTensor> &specs,
                                     const std::vector<rt::Tensor> &tensors,
                                     const Halide::Target &target);

} // namespace cnnc::emit
