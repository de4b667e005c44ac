// The user context one run passes to a generated pipeline (compiled with Halide's
// user_context feature): where its allocations come from and where Halide's error
// message goes. Halide's allocation and error hooks are process-wide, so they find a
// run's context through a registry of the runs in flight (see HalideHooks.cpp).
#pragma once

#include "cnnc/runtime/ScratchArena.h"

#include <mutex>
#include <string>

namespace cnnc::rt::detail {

struct RunContext {
  ScratchArena *arena = nullptr; // nullptr: the heap, through the previous handler
  std::mutex mutex;              // worker threads report errors concurrently
  std::string halideMessage;     // Halide's error messages, one per line
  size_t refusedBytes = 0;       // the largest allocation the arena refused
};

/// Registers `context` with the process-wide Halide hooks (installing them on first
/// use) for the lifetime of this object. Non-copyable.
class RunRegistration {
public:
  explicit RunRegistration(RunContext &context);
  ~RunRegistration();
  RunRegistration(const RunRegistration &) = delete;
  RunRegistration &operator=(const RunRegistration &) = delete;

private:
  RunContext &context_;
};

} // namespace cnnc::rt::detail
