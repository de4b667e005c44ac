// What the fuzz targets share: a crash report that names the broken property, and a
// private scratch file for the readers that take a path.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace cnnc::fuzz {

/// Reports a violated property on stderr and aborts, which libFuzzer (and the
/// regression replay) records as a crash with the input that caused it.
[[noreturn]] void fail(const std::string &what);

/// Writes the input to this process's scratch file with extension `extension`
/// (".safetensors", ".npy", ".onnx": the readers dispatch on it) and returns its path.
/// The file is rewritten for every input and removed when the process exits.
std::string writeScratchFile(const uint8_t *data, size_t size, const std::string &extension);

} // namespace cnnc::fuzz
