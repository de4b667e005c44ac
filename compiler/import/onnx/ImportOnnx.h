// `cnnc import`: an ONNX model -> .cnn source and its weights (SPEC sections 1-3).
#pragma once

#include "cnnc/runtime/Tensor.h"
#include "dsl/Diagnostic.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace cnnc::onnximport {

struct ImportOptions {
  /// The `network` name; a valid identifier.
  std::string networkName;
};

struct ImportedNetwork {
  std::string cnnText; // checked by cnnc's own front end before it is returned
  /// `<layer>.<suffix>` -> tensor, in layer order; exactly the weights the network needs.
  std::vector<std::pair<std::string, rt::Tensor>> weights;
  std::vector<std::string> inputs;  // "input_1: [1, 3, 224, 224]"
  std::vector<std::string> outputs; // "fc: [1, 1000]"
  size_t layerCount = 0;
};

/// Converts the ONNX model at `path`. Every node cnnc cannot convert exactly is
/// reported (`node 'NAME' (OP): what is missing`) and the result is nullopt.
std::optional<ImportedNetwork> importOnnx(const std::string &path, const ImportOptions &options,
                                          dsl::DiagnosticEngine &diags);

} // namespace cnnc::onnximport
