// Matching a file's tensors against the ones a network declares (its weights or its
// inputs), reporting every missing, extra, mistyped and misshaped tensor at once.
#pragma once

#include "cnnc/runtime/Expected.h"
#include "cnnc/runtime/Safetensors.h"
#include "cnnc/runtime/Tensor.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace cnnc::rt {

/// A tensor the network needs: its name in the file and its exact shape.
struct TensorSpec {
  std::string name;
  std::vector<int64_t> shape;
};

/// Reads every tensor of `expected` from `file` as f32. `what` ("weight", "input")
/// words the messages. On any mismatch, one Error lists every problem, one per line,
/// in this order, each group sorted by name: missing tensors, unexpected tensors,
/// wrong dtypes, wrong shapes. Keys ending in ".num_batches_tracked" (int64 counters
/// in a PyTorch state_dict) are ignored unless `expected` names them.
Expected<std::map<std::string, Tensor>> bindTensors(const SafetensorsFile &file,
                                                    const std::vector<TensorSpec> &expected,
                                                    const std::string &what);

/// Opens `path` and binds it as bindTensors does. A path ending in ".npy" holds one
/// unnamed array; it is accepted when exactly one tensor is expected and bound to it.
Expected<std::map<std::string, Tensor>> loadTensors(const std::string &path,
                                                    const std::vector<TensorSpec> &expected,
                                                    const std::string &what);

} // namespace cnnc::rt
