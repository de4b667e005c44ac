// Generates NAME_cnnc.h, the C header through which C programs (and other languages'
// foreign-function interfaces) run a network with cnnc/cnnc.h.
#pragma once

#include "compiler/emit/EmitWrapperHeader.h"

#include <string>

namespace cnnc::emit {

/// The text of NAME_cnnc.h: `const cnnc_network *NAME_cnnc_network(void)` returns the
/// network's descriptor (names, shapes, entry points), and macros state its sizes:
/// NAME_SCRATCH_BYTES, NAME_WEIGHT_BYTES, NAME_<tensor>_ELEMENTS per input and output.
/// Valid C99 and C++; deterministic.
std::string generateCHeader(const WrapperSpec &spec);

} // namespace cnnc::emit
