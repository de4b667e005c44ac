// The hooks a program installed through the stand-in Halide runtime
// (HalideRuntimeStandIn.cpp), so a test can call them as a pipeline's halide_malloc and
// halide_free would.
#pragma once

#include <HalideRuntime.h>

namespace cnnc::standin {

halide_malloc_t installedMalloc();
halide_free_t installedFree();

} // namespace cnnc::standin
