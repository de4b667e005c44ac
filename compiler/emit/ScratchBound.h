// How much scratch memory one run of a compiled pipeline can take from halide_malloc:
// NAME::kScratchBytes, the size of a ScratchArena that always suffices.
#pragma once

#include <Halide.h>

#include <cstdint>
#include <optional>

namespace cnnc::emit {

/// An upper bound on the bytes a ScratchArena must hold for one call of the lowered
/// function `body`, or nullopt when some allocation or parallel loop has no constant
/// bound. Every allocation not pinned to the stack or registers counts (Halide keeps
/// small ones on the stack; counting them anyway keeps the bound safe), for as long as
/// its Allocate node encloses code (an early free only helps); sequential statements
/// share memory; each iteration of a parallel loop may run at once, so its body
/// counts once per iteration. Each block is padded as the arena pads it (128-byte
/// alignment) plus what Halide adds to a request.
std::optional<int64_t> scratchBound(const Halide::Internal::Stmt &body);

} // namespace cnnc::emit
