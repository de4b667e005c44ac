// Prints a CnnProgram as .cnn source (docs/language.md): the text `cnnc import`
// writes, and the text the importer checks after every node.
#pragma once

#include "compiler/import/onnx/CnnProgram.h"

#include <string>

namespace cnnc::onnximport {

struct CnnWriterOptions {
  /// Ends each layer's line with `# <onnx node name>`.
  bool nodeComments = true;
  /// Replaces the program's outputs by every input and layer, so that a partial
  /// program has no unused input and no dead layer.
  bool everythingIsOutput = false;
};

std::string writeCnn(const CnnProgram &program, const CnnWriterOptions &options);

/// The 1-based line of each layer in writeCnn's text (same options), to map a
/// diagnostic back to the layer and its ONNX node.
std::vector<uint32_t> layerLines(const CnnProgram &program, const CnnWriterOptions &options);

/// .cnn spelling of attribute values.
std::string cnnInt(int64_t value);
/// One int when both are equal, else `(a, b)`.
std::string cnnPair(int64_t a, int64_t b);
std::string cnnTuple(const std::vector<int64_t> &values);
/// The shortest text that reads back as the same f32, always with a '.' or exponent.
std::string cnnFloat(float value);
std::string cnnBool(bool value);

} // namespace cnnc::onnximport
