// setThreadCount: a thin wrapper over the Halide runtime's thread-pool size. Kept out
// of Model.cpp so that linking Model alone never references the Halide runtime's
// `halide_set_num_threads` (see Threads.h).
#include "cnnc/runtime/Threads.h"

#include <HalideRuntime.h>

void cnnc::rt::setThreadCount(int count) {
  // Halide reports a negative count through halide_error; 0 already means "default".
  halide_set_num_threads(count < 0 ? 0 : count);
}
