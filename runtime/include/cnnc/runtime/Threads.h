// The size of the worker thread pool that every compiled network in the process
// shares (Halide's runtime has one pool, not one per pipeline or per Model).
#pragma once

namespace cnnc::rt {

/// Sets how many threads compiled networks use from now on; `count <= 0` restores
/// Halide's default (the HL_NUM_THREADS environment variable if set, else the number
/// of cores). Process-wide: it affects every network and every Model, including runs
/// in progress on other threads once they start new parallel loops.
///
/// Defined in its own file (Threads.cpp) because it calls `halide_set_num_threads`,
/// which lives in the Halide runtime (halide_runtime.a) that a program links beside
/// its networks; a program that never calls it does not pull that reference in.
void setThreadCount(int count);

} // namespace cnnc::rt
