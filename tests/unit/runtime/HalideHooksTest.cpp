// Halide's allocation hooks as runtime/HalideHooks.cpp installs them: a registered run's
// allocations come from its arena, found among the runs in flight whether it took one
// of the lock-free slots or, beyond them, the set under the mutex; an unregistered
// context goes to the handler installed before. The hooks are installed into the fuzz
// targets' stand-in Halide runtime, which records them for the test to call.
#include "HalideRuntimeStandIn.h"
#include "RunContext.h"

#include <gtest/gtest.h>
#include <memory>
#include <vector>

namespace {

using namespace cnnc::rt;
using namespace cnnc::rt::detail;
using cnnc::standin::installedFree;
using cnnc::standin::installedMalloc;

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
  ASSERT_NE(installedMalloc(), nullptr) << "registering installs the hooks";
  for (int k = 0; k < kRuns; ++k) {
    void *block = installedMalloc()(&runs[k]->context, 256);
    EXPECT_TRUE(runs[k]->owns(block)) << "run " << k << " allocates from its arena";
    EXPECT_GT(runs[k]->arena.bytesInUse(), 0u) << k;
    installedFree()(&runs[k]->context, block);
    EXPECT_EQ(runs[k]->arena.bytesInUse(), 0u) << k;
  }
  // Unregistered (first the slots' runs, then the set's), a context is nobody's run.
  registrations.clear();
  for (int k : {0, kRuns - 1}) {
    void *block = installedMalloc()(&runs[k]->context, 256);
    ASSERT_NE(block, nullptr);
    EXPECT_FALSE(runs[k]->owns(block)) << "run " << k << " is no longer registered";
    installedFree()(&runs[k]->context, block);
  }
}

TEST(HalideHooks, ASlotFreedIsTakenAgain) {
  ArenaRun first, second;
  { RunRegistration registration(first.context); }
  RunRegistration registration(second.context);
  void *block = installedMalloc()(&second.context, 128);
  EXPECT_TRUE(second.owns(block));
  installedFree()(&second.context, block);
  EXPECT_EQ(second.arena.bytesInUse(), 0u);
  // A null context (a pipeline called without one) is never a run, though empty slots
  // hold null.
  void *heap = installedMalloc()(nullptr, 128);
  ASSERT_NE(heap, nullptr);
  EXPECT_FALSE(first.owns(heap) || second.owns(heap));
  installedFree()(nullptr, heap);
}

} // namespace
