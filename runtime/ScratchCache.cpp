// Scratch blocks kept between runs (see ScratchCache.h).
#include "ScratchCache.h"

#include <map>
#include <mutex>
#include <unordered_map>

namespace cnnc::rt::detail {

namespace {

struct Cache {
  std::mutex mutex;
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
    std::lock_guard<std::mutex> lock(c.mutex);
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
  std::lock_guard<std::mutex> lock(c.mutex);
  c.live.emplace(block, bytes);
  ++c.stats.allocations;
  return block;
}

bool cachedRelease(void *userContext, void *block, void (*release)(void *, void *)) {
  Cache &c = cache();
  {
    std::lock_guard<std::mutex> lock(c.mutex);
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
  std::lock_guard<std::mutex> lock(c.mutex);
  ScratchCacheStats stats = c.stats;
  stats.cachedBytes = c.freeBytes;
  return stats;
}

} // namespace cnnc::rt::detail
