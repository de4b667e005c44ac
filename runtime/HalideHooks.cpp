// Halide's runtime calls halide_malloc, halide_free and halide_error with the user
// context of the pipeline call. Its hooks for them are process-wide (one per program,
// not per pipeline), so cnnc installs one set, once, that serves the runs registered
// here and hands every other call (another library's Halide pipelines, an unknown
// context) to the handler that was installed before. This registry is the only
// mutable global state of the runtime, and it exists because Halide's hooks are global.
#include "RunContext.h"
#include "ScratchCache.h"

#include <HalideRuntime.h>
#include <atomic>
#include <mutex>
#include <set>

using namespace cnnc::rt::detail;

namespace {

/// Slots for the runs in flight, read without a lock: every allocation and free of a
/// pipeline's worker threads looks its run up, and one mutex for those lookups made two
/// threads contend on each (as ScratchCache.cpp's single lock did: 9.8 -> 7.3 ms on
/// seed_pad at two threads once the threads stopped sharing one). Runs beyond the slots
/// go to a set under the mutex.
constexpr size_t kRunSlots = 64;

struct Hooks {
  std::atomic<const void *> slots[kRunSlots] = {};
  std::mutex mutex;
  std::set<const void *> overflow; // registered runs that found no free slot
  std::atomic<size_t> overflowCount{0};
  halide_malloc_t previousMalloc = nullptr;
  halide_free_t previousFree = nullptr;
  halide_error_handler_t previousError = nullptr;
};

Hooks &hooks() {
  static Hooks instance; // never destroyed before the runs that use it end
  return instance;
}

/// The registered run `userContext` is, or nullptr.
RunContext *findRun(void *userContext) {
  if (!userContext)
    return nullptr;
  Hooks &h = hooks();
  for (const std::atomic<const void *> &slot : h.slots)
    if (slot.load(std::memory_order_acquire) == userContext)
      return static_cast<RunContext *>(userContext);
  if (h.overflowCount.load(std::memory_order_acquire) == 0)
    return nullptr;
  std::lock_guard<std::mutex> lock(h.mutex);
  return h.overflow.count(userContext) ? static_cast<RunContext *>(userContext) : nullptr;
}

void *cnncMalloc(void *userContext, size_t bytes) {
  RunContext *run = findRun(userContext);
  if (!run)
    return hooks().previousMalloc(userContext, bytes);
  if (!run->arena)
    return cachedAllocate(userContext, bytes, hooks().previousMalloc);
  void *block = run->arena->allocate(bytes);
  if (!block) {
    std::lock_guard<std::mutex> lock(run->mutex);
    if (bytes > run->refusedBytes)
      run->refusedBytes = bytes;
  }
  return block;
}

void cnncFree(void *userContext, void *block) {
  RunContext *run = findRun(userContext);
  if (run && run->arena && run->arena->release(block))
    return;
  // A block from the cache is freed with the same user context that allocated it (the
  // run's, which is still registered while its pipeline runs).
  if (run && cachedRelease(userContext, block, hooks().previousFree))
    return;
  hooks().previousFree(userContext, block);
}

void cnncError(void *userContext, const char *message) {
  RunContext *run = findRun(userContext);
  if (!run)
    return hooks().previousError(userContext, message);
  std::lock_guard<std::mutex> lock(run->mutex);
  std::string text = message ? message : "";
  while (!text.empty() && text.back() == '\n')
    text.pop_back();
  run->halideMessage += (run->halideMessage.empty() ? "" : "\n") + text;
}

void installHooks() {
  static std::once_flag installed;
  std::call_once(installed, [] {
    Hooks &h = hooks();
    h.previousMalloc = halide_set_custom_malloc(cnncMalloc);
    h.previousFree = halide_set_custom_free(cnncFree);
    h.previousError = halide_set_error_handler(cnncError);
    // Halide's setters return the handler they replace; its defaults, should a
    // runtime report none.
    if (!h.previousMalloc)
      h.previousMalloc = halide_default_malloc;
    if (!h.previousFree)
      h.previousFree = halide_default_free;
    if (!h.previousError)
      h.previousError = halide_default_error;
  });
}

} // namespace

RunRegistration::RunRegistration(RunContext &context) : context_(context) {
  installHooks();
  Hooks &h = hooks();
  for (std::atomic<const void *> &slot : h.slots) {
    const void *empty = nullptr;
    if (slot.compare_exchange_strong(empty, &context_, std::memory_order_acq_rel))
      return;
  }
  std::lock_guard<std::mutex> lock(h.mutex);
  h.overflow.insert(&context_);
  h.overflowCount.fetch_add(1, std::memory_order_release);
}

RunRegistration::~RunRegistration() {
  Hooks &h = hooks();
  for (std::atomic<const void *> &slot : h.slots) {
    const void *mine = &context_;
    if (slot.compare_exchange_strong(mine, nullptr, std::memory_order_acq_rel))
      return;
  }
  std::lock_guard<std::mutex> lock(h.mutex);
  if (h.overflow.erase(&context_))
    h.overflowCount.fetch_sub(1, std::memory_order_release);
}
