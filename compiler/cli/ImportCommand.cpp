// `cnnc import MODEL.onnx -o NET.cnn [--weights-out W.safetensors] [--name N]`: converts
// an ONNX model into .cnn source and a safetensors weights file (SPEC section 3). Both
// files are written only when the whole model converts, each atomically.
#include "compiler/cli/Commands.h"
#include "compiler/cli/Options.h"
#include "compiler/import/onnx/ImportOnnx.h"
#include "compiler/import/onnx/LayerNames.h"
#include "cnnc/runtime/Safetensors.h"
#include "runtime/AtomicWrite.h"

#include <filesystem>
#include <iostream>

namespace cnnc::cli {

namespace {

const char kImportUsage[] =
    "usage: cnnc import MODEL.onnx -o NET.cnn [--weights-out W.safetensors] [--name N]";

const std::vector<OptionSpec> kImportOptions = {
    {"--output", "-o", true, "the .cnn file to write", "NET.cnn"},
    {"--weights-out", "", true, "the weights file (default: NET.safetensors beside NET.cnn)",
     "W.safetensors"},
    {"--name", "", true, "the network's name (default: NET.cnn's file name without .cnn)", "N"},
};

const char kImportHelp[] = R"(
Converts an ONNX model (opsets 11 to 17, static shapes) into the .cnn language and a
safetensors file of its weights, keyed <layer>.<name> in PyTorch's shapes. Layer names
come from the ONNX node and initializer names: PyTorch's module paths, with '.' made
'_' (layer1.0.conv1 -> layer1_0_conv1). Operators: Conv, Pad, MaxPool, AveragePool,
GlobalAveragePool, GlobalMaxPool, BatchNormalization, Relu, Clip (as relu6 or relu),
LeakyRelu, Sigmoid, Tanh, Add, Concat, Flatten, Gemm, MatMul(+Add), Softmax, and the
Identity, Dropout, Reshape and constant shape computations exporters produce.
Anything else is an error naming the node; then nothing is written.

)";

std::string defaultWeightsPath(const std::string &cnnPath) {
  std::filesystem::path path(cnnPath);
  return path.replace_extension(".safetensors").string();
}

int writeResult(const onnximport::ImportedNetwork &network, const std::string &cnnPath,
                const std::string &weightsPath) {
  std::vector<std::pair<std::string, const rt::Tensor *>> named;
  for (const auto &[name, tensor] : network.weights)
    named.emplace_back(name, &tensor);
  rt::Status weights = rt::writeSafetensors(weightsPath, named);
  if (!weights)
    return userError(weights.error().message);
  rt::Status cnn = rt::writeFileAtomically(
      cnnPath, {rt::ByteSpan{network.cnnText.data(), network.cnnText.size()}});
  if (!cnn) {
    // The pair is the result: without the .cnn file the weights file is no use.
    std::filesystem::remove(weightsPath);
    return userError(cnn.error().message);
  }
  return kExitSuccess;
}

std::string joined(const std::vector<std::string> &items) {
  std::string text;
  for (size_t i = 0; i < items.size(); ++i)
    text += (i ? ", " : "") + items[i];
  return text;
}

} // namespace

int runImportCommand(const std::vector<std::string> &args) {
  std::string error;
  std::optional<ParsedOptions> options = parseOptions(args, kImportOptions, error);
  if (!options)
    return usageError("import", error, kImportUsage);
  if (options->help) {
    std::cout << kImportUsage << "\n" << kImportHelp << formatOptionHelp(kImportOptions);
    return kExitSuccess;
  }
  if (options->positional.size() != 1)
    return usageError("import", "expected exactly one MODEL.onnx file", kImportUsage);
  if (!options->has("--output"))
    return usageError("import", "-o NET.cnn is required", kImportUsage);
  std::string cnnPath = *options->get("--output");
  std::string weightsPath = options->get("--weights-out").value_or(defaultWeightsPath(cnnPath));
  if (std::filesystem::path(weightsPath) == std::filesystem::path(cnnPath))
    return usageError("import", "the weights file must differ from the .cnn file", kImportUsage);
  std::string name = options->get("--name").value_or(
      onnximport::sanitizeIdentifier(std::filesystem::path(cnnPath).stem().string()));
  if (name.empty() || onnximport::sanitizeIdentifier(name) != name)
    return usageError("import", "network name '" + name + "' is not an identifier ([A-Za-z_][A-Za-z0-9_]*); pass --name",
                      kImportUsage);

  const std::string &modelPath = options->positional[0];
  dsl::SourceFile modelFile(modelPath, "");
  dsl::DiagnosticEngine diags(&modelFile);
  std::optional<onnximport::ImportedNetwork> network =
      onnximport::importOnnx(modelPath, {name}, diags);
  std::cerr << diags.renderAll();
  if (!network)
    return kExitUserError;
  int status = writeResult(*network, cnnPath, weightsPath);
  if (status != kExitSuccess)
    return status;
  std::cout << "network " << name << ": " << network->layerCount << " layers; inputs "
            << joined(network->inputs) << "; outputs " << joined(network->outputs) << "\n"
            << "wrote " << cnnPath << " and " << weightsPath << " (" << network->weights.size()
            << " tensors)\n";
  return kExitSuccess;
}

} // namespace cnnc::cli
