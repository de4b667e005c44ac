// The scratch cache behind Halide's allocation hook (runtime/ScratchCache.h): freed
// blocks come back for the next request of the same size, foreign blocks are not
// taken, and what exceeds the bound goes back to the heap.
#include "ScratchCache.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <set>
#include <vector>

namespace {

using namespace cnnc::rt::detail;

std::atomic<int> heapAllocations{0}, heapReleases{0};

void *heapAllocate(void *, size_t bytes) {
  ++heapAllocations;
  return std::malloc(bytes);
}
void heapRelease(void *, void *block) {
  ++heapReleases;
  std::free(block);
}

// Sizes no other test (or run) uses, so the process-wide cache's other contents
// cannot satisfy these requests.
constexpr size_t kOdd = 123457, kOther = 123461;

TEST(ScratchCache, AFreedBlockServesTheNextRequestOfItsSize) {
  heapAllocations = heapReleases = 0;
  const ScratchCacheStats before = scratchCacheStats();
  void *first = cachedAllocate(nullptr, kOdd, heapAllocate);
  ASSERT_NE(first, nullptr);
  EXPECT_TRUE(cachedRelease(nullptr, first, heapRelease));
  void *again = cachedAllocate(nullptr, kOdd, heapAllocate);
  EXPECT_EQ(again, first) << "the freed block is reused";
  void *other = cachedAllocate(nullptr, kOther, heapAllocate);
  EXPECT_NE(other, first) << "another size is not served by it";
  EXPECT_EQ(heapAllocations, 2);
  EXPECT_EQ(heapReleases, 0) << "freed blocks are kept, not returned";
  const ScratchCacheStats after = scratchCacheStats();
  EXPECT_EQ(after.allocations - before.allocations, 3u);
  EXPECT_EQ(after.reused - before.reused, 1u);
  EXPECT_TRUE(cachedRelease(nullptr, again, heapRelease));
  EXPECT_TRUE(cachedRelease(nullptr, other, heapRelease));
}

TEST(ScratchCache, ForeignBlocksAreNotTaken) {
  int onStack = 0;
  EXPECT_FALSE(cachedRelease(nullptr, &onStack, heapRelease));
}

TEST(ScratchCache, BlocksBeyondTheBoundGoBackToTheHeap) {
  heapAllocations = heapReleases = 0;
  // More live blocks than the cache may keep once freed.
  const size_t block = kScratchCacheBytes / 8 + 64;
  std::vector<void *> blocks;
  for (int i = 0; i < 10; ++i)
    blocks.push_back(cachedAllocate(nullptr, block, heapAllocate));
  for (void *b : blocks)
    EXPECT_TRUE(cachedRelease(nullptr, b, heapRelease));
  EXPECT_GE(heapReleases, 3) << "at most 7 such blocks fit the bound";
  EXPECT_LE(scratchCacheStats().cachedBytes, kScratchCacheBytes);
}

TEST(ScratchCache, ABlockFreedOnAnotherThreadIsTakenBack) {
  // Each thread has a shard of the cache; a block freed on a thread other than the one
  // that allocated it is found in its shard and kept there for that thread's next
  // request of its size.
  constexpr size_t kMoved = 123479;
  heapAllocations = heapReleases = 0;
  void *block = nullptr;
  std::thread([&] { block = cachedAllocate(nullptr, kMoved, heapAllocate); }).join();
  ASSERT_NE(block, nullptr);
  EXPECT_TRUE(cachedRelease(nullptr, block, heapRelease)) << "found in the other shard";
  EXPECT_EQ(heapReleases, 0) << "kept, not returned to the heap";
  const ScratchCacheStats stats = scratchCacheStats();
  EXPECT_GE(stats.cachedBytes, kMoved) << "the totals cover every shard";
  void *again = cachedAllocate(nullptr, kMoved, heapAllocate);
  EXPECT_NE(again, nullptr);
  EXPECT_TRUE(cachedRelease(nullptr, again, heapRelease));
}

TEST(ScratchCache, ThreadsNeverShareABlock) {
  // The pipeline's worker threads allocate and free at once: every block must belong to
  // one of them at a time. Each thread fills its block with its id and checks it before
  // giving it back.
  constexpr size_t kSizes[] = {4096 + 8, 65536 + 8, 300000 + 8};
  std::atomic<int> corrupted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([t, &corrupted, &kSizes] {
      for (int i = 0; i < 2000; ++i) {
        const size_t bytes = kSizes[(i + t) % 3];
        auto *block = static_cast<unsigned char *>(cachedAllocate(nullptr, bytes, heapAllocate));
        std::memset(block, t + 1, bytes);
        std::this_thread::yield(); // let the others run while this thread holds the block
        for (size_t k = 0; k < bytes; k += 997)
          if (block[k] != t + 1)
            ++corrupted;
        cachedRelease(nullptr, block, heapRelease);
      }
    });
  for (std::thread &thread : threads)
    thread.join();
  EXPECT_EQ(corrupted.load(), 0);
}

} // namespace
