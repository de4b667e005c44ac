// A cache of the scratch blocks generated pipelines allocate, kept between runs.
//
// A fused schedule allocates its per-row and per-chunk buffers (a convolution's
// accumulator row, a padded input strip, a folded producer) hundreds of times per run,
// and an unfused one allocates every layer's tensor. Through plain malloc, blocks of
// 128 KiB and more are mapped and unmapped each time, and freed memory at the top of
// the heap is given back to the system, so every run pays page faults for memory it
// had a moment before: ResNet's 7x7 stem with its pooling ran 2.0-2.3 ms from a small
// program and 1.6-1.7 ms with glibc told to keep its memory (one thread). Keeping freed
// blocks for the next request of the same size does the same without touching the
// process's malloc settings.
#pragma once

#include <cstddef>
#include <cstdint>

namespace cnnc::rt::detail {

/// At most this many bytes of free blocks are kept; a block freed beyond it goes back
/// to the heap. 64 MiB holds every intermediate of the networks in ../shared/nets under
/// `unfused` (25 MiB at most) with room for a second model.
constexpr size_t kScratchCacheBytes = size_t(64) << 20;

/// A block of `bytes`, reused from the cache when one of that size is free there, else
/// from `allocate` (Halide's previous allocation handler) with `userContext`.
void *cachedAllocate(void *userContext, size_t bytes, void *(*allocate)(void *, size_t));

/// Takes back a block cachedAllocate returned (true), or returns false for any other
/// block. A block that does not fit in the cache goes to `release`, with this call's
/// user context, which may be another run's than the one that allocated it: Halide's
/// default handlers, the ones behind the cache, do not use the context.
bool cachedRelease(void *userContext, void *block, void (*release)(void *, void *));

struct ScratchCacheStats {
  uint64_t allocations = 0; // blocks handed out
  uint64_t reused = 0;      // of which from the cache
  size_t cachedBytes = 0;   // free bytes kept now
};
ScratchCacheStats scratchCacheStats();

} // namespace cnnc::rt::detail
