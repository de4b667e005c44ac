// The few Halide runtime functions cnnc_runtime calls (runtime/HalideHooks.cpp installs
// its allocation and error hooks on a Model's first run), for the weight binder's
// target: its pipelines are stand-ins, so it links no real Halide runtime (which only
// `cnnc runtime`, i.e. Halide's compiler, can produce). The runtime's hook tests link it
// too, and call the hooks it recorded (HalideRuntimeStandIn.h).
#include "HalideRuntimeStandIn.h"

#include <HalideRuntime.h>
#include <cstdio>
#include <cstdlib>

namespace {
halide_malloc_t customMalloc = nullptr;
halide_free_t customFree = nullptr;
halide_error_handler_t errorHandler = nullptr;
} // namespace

extern "C" {

void *halide_default_malloc(void *, size_t size) { return std::malloc(size); }
void halide_default_free(void *, void *pointer) { std::free(pointer); }
void halide_default_error(void *, const char *message) { std::fprintf(stderr, "%s", message); }

halide_malloc_t halide_set_custom_malloc(halide_malloc_t user) {
  halide_malloc_t previous = customMalloc;
  customMalloc = user;
  return previous;
}

halide_free_t halide_set_custom_free(halide_free_t user) {
  halide_free_t previous = customFree;
  customFree = user;
  return previous;
}

halide_error_handler_t halide_set_error_handler(halide_error_handler_t handler) {
  halide_error_handler_t previous = errorHandler;
  errorHandler = handler;
  return previous;
}

} // extern "C"

namespace cnnc::standin {

halide_malloc_t installedMalloc() { return customMalloc; }
halide_free_t installedFree() { return customFree; }

} // namespace cnnc::standin
