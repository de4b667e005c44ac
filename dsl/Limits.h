// The size limits of a network (docs/limits.md). Each is far beyond any real CNN and
// exists so that a mistyped or hostile file is an error naming the place, not an
// allocation of gigabytes, a compile that never ends or a file name the system refuses.
#pragma once

#include <cstddef>
#include <cstdint>

namespace cnnc::dsl {

/// Bytes of one identifier (network, input, layer, attribute word). Names become
/// C++ identifiers, safetensors keys ("<layer>.running_mean") and, for the network,
/// file names (NAME.a, NAME_cnnc.h), which most file systems cap at 255 bytes.
constexpr size_t kMaxNameBytes = 128;

/// Inputs plus layers of one network. ResNet-152 has about 500; compiling even 10000
/// layers with Halide takes hours.
constexpr size_t kMaxDefinitions = 10000;

/// Elements of any one tensor: an input, a layer's output or a weight. Halide's buffers
/// index with 32-bit integers (cnnc does not use the large_buffers feature), so 2^31-1
/// f32 values, just under 8 GiB, is the most a pipeline can address.
constexpr int64_t kMaxTensorElements = 2147483647;

} // namespace cnnc::dsl
