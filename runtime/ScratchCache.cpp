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

/// One shard of the cache: the blocks a thread (or the few threads that share the
/// shard) allocated and keeps. One cache for all threads made every allocation of two
/// threads contend for one lock and one cache line: seed_pad's fused schedule, 3,345
/// allocations per run, ran 9.8-10.0 ms at two threads through it and 7.6-7.7 ms with
/// plain malloc (Intel Xeon, AVX-512, same run). Aligned so no two shards share a line.
struct alignas(64) Shard {
  SpinLock mutex;
  std::unordered_map<void *, size_t> live; // blocks handed out, with their sizes
  std::multimap<size_t, void *> free;      // blocks kept for reuse, by size
  size_t freeBytes = 0;
  ScratchCacheStats stats;
};

/// Shards are handed to threads round-robin, so the first kShards threads each have
/// their own; never destroyed (runs may end during exit, and a block may outlive the
/// thread that allocated it).
constexpr size_t kShards = 16;

struct Cache {
  Shard shards[kShards];
  std::atomic<size_t> nextShard{0};
  /// Free bytes kept over all shards, against kScratchCacheBytes.
  std::atomic<size_t> freeBytes{0};
};

Cache &cache() {
  static Cache *instance = new Cache; // never destroyed: runs may end during exit
  return *instance;
}

size_t myShard() {
  thread_local const size_t shard =
      cache().nextShard.fetch_add(1, std::memory_order_relaxed) % kShards;
  return shard;
}

/// Takes `block` out of `shard`'s live blocks and keeps it for reuse if the bound
/// allows (true), or leaves it to the caller to free (false, with `found` set); `found`
/// false if the shard did not hand it out.
bool keep(Cache &c, Shard &shard, void *block, bool &found) {
  std::lock_guard<SpinLock> lock(shard.mutex);
  auto entry = shard.live.find(block);
  found = entry != shard.live.end();
  if (!found)
    return false;
  const size_t bytes = entry->second;
  shard.live.erase(entry);
  if (c.freeBytes.fetch_add(bytes, std::memory_order_relaxed) + bytes > kScratchCacheBytes) {
    c.freeBytes.fetch_sub(bytes, std::memory_order_relaxed);
    return false;
  }
  shard.free.emplace(bytes, block);
  shard.freeBytes += bytes;
  return true;
}

} // namespace

void *cachedAllocate(void *userContext, size_t bytes, void *(*allocate)(void *, size_t)) {
  Cache &c = cache();
  Shard &shard = c.shards[myShard()];
  {
    std::lock_guard<SpinLock> lock(shard.mutex);
    auto found = shard.free.find(bytes);
    if (found != shard.free.end()) {
      void *block = found->second;
      shard.free.erase(found);
      shard.freeBytes -= bytes;
      c.freeBytes.fetch_sub(bytes, std::memory_order_relaxed);
      shard.live.emplace(block, bytes);
      ++shard.stats.allocations;
      ++shard.stats.reused;
      return block;
    }
  }
  void *block = allocate(userContext, bytes);
  if (!block)
    return nullptr;
  std::lock_guard<SpinLock> lock(shard.mutex);
  shard.live.emplace(block, bytes);
  ++shard.stats.allocations;
  return block;
}

bool cachedRelease(void *userContext, void *block, void (*release)(void *, void *)) {
  Cache &c = cache();
  // Halide frees a block on the thread that allocated it (a task's buffers within the
  // task), so the own shard first; the others for a block that moved.
  const size_t mine = myShard();
  for (size_t k = 0; k < kShards; ++k) {
    bool found = false;
    if (keep(c, c.shards[(mine + k) % kShards], block, found))
      return true;
    if (found) {
      release(userContext, block);
      return true;
    }
  }
  return false;
}

ScratchCacheStats scratchCacheStats() {
  Cache &c = cache();
  ScratchCacheStats total;
  for (Shard &shard : c.shards) {
    std::lock_guard<SpinLock> lock(shard.mutex);
    total.allocations += shard.stats.allocations;
    total.reused += shard.stats.reused;
    total.cachedBytes += shard.freeBytes;
  }
  return total;
}

} // namespace cnnc::rt::detail
