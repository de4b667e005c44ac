// Halide's allocation hooks as runtime/HalideHooks.cpp installs them: a registered run's
// allocations come from its arena, found among the runs in flight whether it took one
// of the lock-free slots or, beyond them, the set under the mutex; an unregistered
// context goes to the handler installed before.
#include "RunContext.h"

#include <gtest/gtest.h>

#include <HalideRuntime.h>

#include <cstdlib>
#include <memory>
#include <vector>

// The Halide runtime functions the hooks call, standing in for a real runtime (which
// only `cnnc runtime` can produce): they record the hooks so the test can call them as
// a pipeline's halide_malloc and halide_free would.
namespace {
halide_malloc_t installedMalloc = nullptr;
halide_free_t installedFree = nullptr;
halide_error_handler_t installedError = nullptr;
} // namespace

extern "C" {
void *halide_default_malloc(void *, size_t size) { return std::malloc(size); }
void halide_default_free(void *, void *pointer) { std::free(pointer); }
void halide_default_error(void *, const char *) {}
halide_malloc_t halide_set_custom_malloc(halide_malloc_t user) {
  halide_malloc_t previous = installedMalloc;
  installedMalloc = user;
  return previous;
}
halide_free_t halide_set_custom_free(halide_free_t user) {
  halide_free_t previous = installedFree;
  installedFree = user;
  return previous;
}
halide_error_handler_t halide_set_error_handler(halide_error_handler_t handler) {
  halide_error_handler_t previous = installedError;
  installedError = handler;
  return previous;
}
} // extern "C"

namespace {

using namespace cnnc::rt;
using namespace cnnc::rt::detail;

/// A run with an arena over memory of its own.
struct ArenaRun {
  std::vector<unsigned char> memory = std::vector<unsigned char>(4096);
  ScratchArena arena{memory.data(), memory.size()};
  RunContext context;
  ArenaRun() { context.arena = &arena; }
  bool owns(const void *block) const {
    auto *byte = static_cast<const unsigned char *>(block);
    return byte >= memory.data() && byte < memory.data() + memory.size();
  }
};

TEST(HalideHooks, EveryRunInFlightIsFoundBeyondTheSlots) {
  // More runs at once than the hooks have lock-free slots for (64).
  constexpr int kRuns = 80;
  std::vector<std::unique_ptr<ArenaRun>> runs;
  std::vector<std::unique_ptr<RunRegistration>> registrations;
  for (int k = 0; k < kRuns; ++k) {
    runs.push_back(std::make_unique<ArenaRun>());
    registrations.push_back(std::make_unique<RunRegistration>(runs.back()->context));
  }
  ASSERT_NE(installedMalloc, nullptr) << "registering installs the hooks";
  for (int k = 0; k < kRuns; ++k) {
    void *block = installedMalloc(&runs[k]->context, 256);
    EXPECT_TRUE(runs[k]->owns(block)) << "run " << k << " allocates from its arena";
    EXPECT_GT(runs[k]->arena.bytesInUse(), 0u) << k;
    installedFree(&runs[k]->context, block);
    EXPECT_EQ(runs[k]->arena.bytesInUse(), 0u) << k;
  }
  // Unregistered (first the slots' runs, then the set's), a context is nobody's run.
  registrations.clear();
  for (int k : {0, kRuns - 1}) {
    void *block = installedMalloc(&runs[k]->context, 256);
    ASSERT_NE(block, nullptr);
    EXPECT_FALSE(runs[k]->owns(block)) << "run " << k << " is no longer registered";
    installedFree(&runs[k]->context, block);
  }
}

TEST(HalideHooks, ASlotFreedIsTakenAgain) {
  ArenaRun first, second;
  { RunRegistration registration(first.context); }
  RunRegistration registration(second.context);
  void *block = installedMalloc(&second.context, 128);
  EXPECT_TRUE(second.owns(block));
  installedFree(&second.context, block);
  EXPECT_EQ(second.arena.bytesInUse(), 0u);
  // A null context (a pipeline called without one) is never a run, though empty slots
  // hold null.
  void *heap = installedMalloc(nullptr, 128);
  ASSERT_NE(heap, nullptr);
  EXPECT_FALSE(first.owns(heap) || second.owns(heap));
  installedFree(nullptr, heap);
}

} // namespace
