// Fuzz target: the ONNX importer (`cnnc import`: protobuf parsing, constant folding,
// every converter, the .cnn writer) on arbitrary bytes as an ONNX file. Besides not
// crashing: a failed import reports an error, and a successful one yields .cnn text
// that cnnc's own front end accepts, with exactly the weights that network declares.
#include "FuzzInput.h"

#include "compiler/import/BuildGraph.h"
#include "compiler/import/onnx/ImportOnnx.h"
#include "dsl/Parser.h"

#include <set>
#include <string>

using namespace cnnc;

namespace {

void checkImported(const onnximport::ImportedNetwork &network) {
  dsl::SourceFile file("imported.cnn", network.cnnText);
  dsl::DiagnosticEngine diags(&file);
  dsl::Module module = dsl::parseModule(file, diags);
  std::optional<ir::Graph> graph = import::buildGraph(module, diags);
  if (!graph)
    fuzz::fail("the importer wrote a network that does not check:\n" + diags.renderAll() +
               network.cnnText);
  std::set<std::string> declared;
  for (const ir::NamedWeight &weight : ir::graphWeights(*graph))
    declared.insert(weight.name);
  std::set<std::string> written;
  for (const auto &[name, tensor] : network.weights) {
    written.insert(name);
    if (static_cast<int64_t>(tensor.data.size()) != tensor.numel())
      fuzz::fail("imported weight '" + name + "' size disagrees with its shape");
  }
  if (declared != written)
    fuzz::fail("the imported weights are not the ones the network declares");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string path = fuzz::writeScratchFile(data, size, ".onnx");
  dsl::DiagnosticEngine diags(nullptr);
  std::optional<onnximport::ImportedNetwork> network =
      onnximport::importOnnx(path, onnximport::ImportOptions{"fuzz_net"}, diags);
  if (bool(network) == diags.hasErrors())
    fuzz::fail(network ? "an imported network despite errors" : "no network and no error");
  if (network)
    checkImported(*network);
  return 0;
}
