// Generates NAME.hpp, the typed C++ class a user includes to run a network compiled
// ahead of time: shapes as constants, construction from weights, and run(). It wraps
// cnnc::rt::Model and Halide's NAME.h and needs nothing of Halide's compiler.
#pragma once

#include "compiler/ir/Graph.h"

#include <string>
#include <vector>

namespace cnnc::emit {

/// A tensor the generated function takes: its name and PyTorch shape.
struct WrapperTensor {
  std::string name;
  ir::Shape shape;
};

/// What the wrapper describes, in the generated function's argument order.
struct WrapperSpec {
  std::string functionName; // Halide's function, the class and the files are named so
  std::string networkName;  // the `network` line of the .cnn file
  std::vector<WrapperTensor> inputs;
  std::vector<WrapperTensor> weights; // ir::graphWeights order
  std::vector<WrapperTensor> outputs;
  /// Weight preparation (rt::NetworkSignature says how the two functions share the
  /// weights): the raw weights each function reads, and what NAME_prepare writes.
  std::vector<size_t> runWeights, prepareWeights;
  std::vector<WrapperTensor> prepared;
  std::string provenance; // one line for the header comment: schedule and target
  /// Bytes of scratch one run may take from halide_malloc (scratchBound), -1 if the
  /// schedule has no static bound.
  int64_t scratchBytes = -1;
  /// Whether the library carries its weights (NAME_embedded_weights, `--weights`).
  bool embeddedWeights = false;
};

/// Whether `word` is a C++ keyword or alternative token (C++20's included): generated
/// identifiers must avoid them.
bool isCppKeyword(const std::string &word);

/// The spec of `graph` compiled as `functionName`.
WrapperSpec wrapperSpecFor(const ir::Graph &graph, const std::string &functionName,
                           const std::string &provenance);

/// The text of NAME.hpp. The class is `cnnc::nets::NAME` (NAME being the function
/// name; a namespace keeps it apart from Halide's C function of the same name):
///
///   auto net = cnnc::nets::vgg_block::fromFile("vgg_block.safetensors");
///   if (!net) { report(net.error().message); return; }
///   std::vector<float> image(cnnc::nets::vgg_block::kImageElements);
///   std::vector<float> pool1(cnnc::nets::vgg_block::kPool1Elements);
///   cnnc::rt::Status status = net->run(image.data(), pool1.data());
///
/// Constants per input and output tensor: `k<Name>Shape` (std::array<int64_t, rank>)
/// and `k<Name>Elements`, where <Name> is the tensor name in UpperCamelCase
/// (`relu_1` -> `kRelu1Shape`). The output is deterministic (no dates, no paths).
std::string generateWrapperHeader(const WrapperSpec &spec);

/// Bytes of f32 weights a bound network holds: the raw weights it reads directly and
/// the prepared ones (the raw weights only preparation reads are let go).
int64_t weightBytes(const WrapperSpec &spec);

} // namespace cnnc::emit
