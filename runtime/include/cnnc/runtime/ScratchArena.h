// ScratchArena: caller-owned memory that one run's intermediate buffers come from
// instead of the heap, so an embedded program can allocate everything up front. The
// generated NAME.hpp states how much one run needs as NAME::kScratchBytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>

namespace cnnc::rt {

/// A first-fit allocator over a caller's block of memory. Model::run(..., &arena)
/// routes every allocation the generated pipeline makes through Halide's runtime
/// (halide_malloc: the buffers the schedule materializes, per tile and per thread
/// included) to the arena; an allocation that does not fit fails the run with an Error
/// instead of falling back to the heap. It does not cover the dense copies Model makes
/// of strided views (pass dense buffers), the Halide thread pool's own start-up, or
/// small buffers Halide keeps on the stack.
///
/// Thread-safe (the pipeline's worker threads allocate from it at once). The memory is
/// not owned and must outlive the arena; an arena sized kScratchBytes serves one run
/// at a time. Blocks are 128-byte aligned, and 8 bytes on each side of every block
/// stay inside the caller's memory (Halide may read that far past a buffer).
class ScratchArena {
public:
  ScratchArena(void *memory, size_t bytes);
  ScratchArena(const ScratchArena &) = delete;
  ScratchArena &operator=(const ScratchArena &) = delete;
  ~ScratchArena() = default;

  /// Bytes of the caller's memory.
  size_t capacity() const { return capacity_; }
  /// The most bytes in use at once (block ends, counted from the arena's start).
  size_t highWater() const;
  /// Allocations refused because they did not fit.
  size_t failedAllocations() const;
  /// Bytes in use now (0 between runs: every run frees what it allocated).
  size_t bytesInUse() const;

  /// A 128-byte aligned block of `bytes`, or nullptr when no gap is large enough.
  void *allocate(size_t bytes);
  /// Returns a block to the arena; false if `block` did not come from it.
  bool release(void *block);

private:
  static constexpr size_t kAlignment = 128;
  static constexpr size_t kGuard = 8;

  mutable std::mutex mutex_;
  uint8_t *memory_;
  size_t capacity_;
  uint8_t *base_;                 // first aligned address with kGuard bytes before it
  size_t usable_ = 0;             // bytes from base_ that keep kGuard bytes after them
  std::map<size_t, size_t> used_; // offset from base_ -> block size, in address order
  size_t inUse_ = 0;
  size_t highWater_ = 0;
  size_t failed_ = 0;
};

} // namespace cnnc::rt
