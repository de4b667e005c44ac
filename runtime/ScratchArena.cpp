// ScratchArena: first fit over the gaps between used blocks, kept in address order.
// Runs allocate a handful of buffers, so a linear scan under one mutex is enough.
#include "cnnc/runtime/ScratchArena.h"

using namespace cnnc::rt;

namespace {

size_t roundUp(size_t value, size_t multiple) { return (value + multiple - 1) / multiple * multiple; }

} // namespace

ScratchArena::ScratchArena(void *memory, size_t bytes)
    : memory_(static_cast<uint8_t *>(memory)), capacity_(memory ? bytes : 0), base_(memory_) {
  if (!memory_ || capacity_ < 2 * kGuard + kAlignment)
    return; // usable_ stays 0: every allocation fails
  const auto start = reinterpret_cast<uintptr_t>(memory_) + kGuard;
  base_ = memory_ + (roundUp(start, kAlignment) - reinterpret_cast<uintptr_t>(memory_));
  const size_t front = static_cast<size_t>(base_ - memory_);
  usable_ = capacity_ > front + kGuard ? capacity_ - front - kGuard : 0;
}

size_t ScratchArena::highWater() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return highWater_;
}

size_t ScratchArena::failedAllocations() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return failed_;
}

size_t ScratchArena::bytesInUse() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return inUse_;
}

void *ScratchArena::allocate(size_t bytes) {
  const size_t size = roundUp(bytes == 0 ? 1 : bytes, kAlignment);
  std::lock_guard<std::mutex> lock(mutex_);
  size_t offset = 0;
  for (const auto &[blockOffset, blockSize] : used_) {
    if (blockOffset - offset >= size)
      break;
    offset = blockOffset + blockSize;
  }
  if (size > usable_ || offset > usable_ - size) {
    ++failed_;
    return nullptr;
  }
  used_.emplace(offset, size);
  inUse_ += size;
  // Measured from the caller's memory, so highWater() <= capacity() and an arena of
  // highWater() bytes at the same alignment would have sufficed.
  const size_t end = static_cast<size_t>(base_ - memory_) + offset + size + kGuard;
  if (end > highWater_)
    highWater_ = end;
  return base_ + offset;
}

bool ScratchArena::release(void *block) {
  auto *byte = static_cast<uint8_t *>(block);
  if (!byte || byte < base_ || byte >= base_ + usable_)
    return false;
  std::lock_guard<std::mutex> lock(mutex_);
  auto found = used_.find(static_cast<size_t>(byte - base_));
  if (found == used_.end())
    return false;
  inUse_ -= found->second;
  used_.erase(found);
  return true;
}
