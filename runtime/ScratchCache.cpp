// Scratch blocks kept between runs (see ScratchCache.h).
#include "ScratchCache.h"

#include <atomic>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace cnnc::rt::detail {

namespace {

/// A lock that spins instead of sleeping: the cache's critical sections are a few map
/// operations, while a contended std::mutex sleeps in the kernel (futex) and wakes the
/// other thread through it. A fused schedule's per-row buffers made two threads
/// contend on every row: on a small 96x96 network 12% of the samples were the kernel's
/// futex wake-ups and context switches.
class SpinLock {
public:
  void lock() {
    // More threads than cores (a holder preempted mid-section): yield after a while.
    for (int spins = 0; flag_.test_and_set(std::memory_order_acquire); ++spins) {
      if (spins >= kSpinsBeforeYield) {
        std::this_thread::yield();
        continue;
      }
#if defined(__x86_64__) || defined(__i386__)
      _mm_pause();
#endif
    }
  }
  void unlock() { flag_.clear(std::memory_order_release); }

private:
  static constexpr int kSpinsBeforeYield = 256;
  std::atomic_flag flag_ = ATOMIC_FLAG_INIT;
};

struct Cache {
  SpinLock mutex;
  std::unordered_map<void *, size_t> live;  // blocks handed out, with their sizes
  std::multimap<size_t, void *> free;       // blocks kept for reuse, by size
  size_t freeBytes = 0;
  ScratchCacheStats stats;
};

Cache &cache() {
  static Cache *instance = new Cache; // never destroyed: runs may end during exit
  return *instance;
}

} // namespace

void *cachedAllocate(void *userContext, size_t bytes, void *(*allocate)(void *, size_t)) {
  Cache &c = cache();
  {
    std::lock_guard<SpinLock> lock(c.mutex);
    auto found = c.free.find(bytes);
    if (found != c.free.end()) {
      void *block = found->second;
      c.free.erase(found);
      c.freeBytes -= bytes;
      c.live.emplace(block, bytes);
      ++c.stats.allocations;
      ++c.stats.reused;
      return block;
    }
  }
  void *block = allocate(userContext, bytes);
  if (!block)
    return nullptr;
  std::lock_guard<SpinLock> lock(c.mutex);
  c.live.emplace(block, bytes);
  ++c.stats.allocations;
  return block;
}

bool cachedRelease(void *userContext, void *block, void (*release)(void *, void *)) {
  Cache &c = cache();
  {
    std::lock_guard<SpinLock> lock(c.mutex);
    auto found = c.live.find(block);
    if (found == c.live.end())
      return false;
    const size_t bytes = found->second;
    c.live.erase(found);
    if (c.freeBytes + bytes <= kScratchCacheBytes) {
      c.free.emplace(bytes, block);
      c.freeBytes += bytes;
      return true;
    }
  }
  release(userContext, block);
  return true;
}

ScratchCacheStats scratchCacheStats() {
  Cache &c = cache();
  std::lock_guard<SpinLock> lock(c.mutex);
  ScratchCacheStats stats = c.stats;
  stats.cachedBytes = c.freeBytes;
  return stats;
}

} // namespace cnnc::rt::detail
