// Fuzz target: the weight binder (rt::Model::fromFile -> loadTensors -> bindTensors ->
// weight preparation) and the input binder (loadTensors, safetensors or .npy), on
// arbitrary bytes as the weights and inputs file of a small hand-built network. The
// network's pipeline and preparation are stand-ins (as in tests/aot/AotMisuse.cpp)
// that check every buffer they are given against the signature, so a binding that
// succeeds is also run once. Besides not crashing: a Model exists only with exactly
// the declared weights, and an error names what is wrong.
#include "FuzzInput.h"

#include "cnnc/runtime/Model.h"

#include <HalideRuntime.h>
#include <string>

using namespace cnnc;

namespace {

/// conv (4x2x3x3 + bias) -> batch norm (4) -> linear (3x4 + bias), with the two
/// convolution weights prepared into one tensor and the rest read directly.
const std::vector<rt::TensorSpec> kWeights = {
    {"conv.weight", {4, 2, 3, 3}}, {"conv.bias", {4}},   {"bn.weight", {4}},
    {"bn.bias", {4}},              {"bn.running_mean", {4}}, {"bn.running_var", {4}},
    {"fc.weight", {3, 4}},         {"fc.bias", {3}}};
const std::vector<rt::TensorSpec> kInputs = {{"image", {1, 2, 5, 5}}};
const std::vector<rt::TensorSpec> kOutputs = {{"fc", {1, 3}}};
const std::vector<rt::TensorSpec> kPrepared = {{"conv_packed", {4, 19}}};
const std::vector<size_t> kRunWeights = {2, 3, 4, 5, 6, 7};
const std::vector<size_t> kPrepareWeights = {0, 1};

/// Whether `buffer` is the dense f32 buffer of `spec` (dimensions innermost first).
bool matches(const void *argument, const rt::TensorSpec &spec) {
  const auto *buffer = static_cast<const halide_buffer_t *>(argument);
  if (!buffer || !buffer->host || buffer->dimensions != static_cast<int>(spec.shape.size()) ||
      buffer->type.code != halide_type_float || buffer->type.bits != 32)
    return false;
  int64_t stride = 1;
  for (int d = 0; d < buffer->dimensions; ++d) {
    int64_t extent = spec.shape[spec.shape.size() - 1 - d];
    if (buffer->dim[d].extent != extent || buffer->dim[d].stride != stride)
      return false;
    stride *= extent;
  }
  return true;
}

int checkArguments(void **args, const std::vector<const rt::TensorSpec *> &specs) {
  for (size_t i = 0; i < specs.size(); ++i)
    if (!matches(args[i], *specs[i]))
      fuzz::fail("the runtime passed a wrong buffer for '" + specs[i]->name + "'");
  return halide_error_code_success;
}

int standInPreparation(void **args) {
  std::vector<const rt::TensorSpec *> specs;
  for (size_t index : kPrepareWeights)
    specs.push_back(&kWeights[index]);
  specs.push_back(&kPrepared[0]);
  return checkArguments(args, specs);
}

int standInPipeline(void **args) {
  std::vector<const rt::TensorSpec *> specs = {&kInputs[0]};
  for (size_t index : kRunWeights)
    specs.push_back(&kWeights[index]);
  specs.push_back(&kPrepared[0]);
  specs.push_back(&kOutputs[0]);
  return checkArguments(args, specs);
}

rt::NetworkSignature signature() {
  rt::NetworkSignature sig;
  sig.name = "fuzz_net";
  sig.inputs = kInputs;
  sig.weights = kWeights;
  sig.outputs = kOutputs;
  sig.argv = &standInPipeline;
  sig.runWeights = kRunWeights;
  sig.prepareWeights = kPrepareWeights;
  sig.prepared = kPrepared;
  sig.prepare = &standInPreparation;
  return sig;
}

void bindWeights(const std::string &path) {
  static const rt::NetworkSignature sig = signature();
  rt::Expected<rt::Model> model = rt::Model::fromFile(sig, path);
  if (!model) {
    if (model.error().message.empty())
      fuzz::fail("an empty error message");
    return;
  }
  if (model->preparedWeights().size() != kRunWeights.size() + kPrepared.size())
    fuzz::fail("a model with the wrong number of bound weights");
  std::vector<float> image(50), out(3);
  rt::Status ran = model->runDense(std::vector<const float *>{image.data()}.data(), 1,
                                   std::vector<float *>{out.data()}.data(), 1);
  if (!ran)
    fuzz::fail("a bound model does not run: " + ran.error().message);
}

void bindInputs(const std::string &path) {
  auto inputs = rt::loadTensors(path, kInputs, "input");
  if (!inputs)
    return;
  if (inputs->size() != 1 || inputs->begin()->second.shape != kInputs[0].shape ||
      inputs->begin()->second.data.size() != 50)
    fuzz::fail("inputs bound with the wrong shape or size");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string path = fuzz::writeScratchFile(data, size, ".safetensors");
  bindWeights(path);
  bindInputs(path);
  bindInputs(fuzz::writeScratchFile(data, size, ".npy"));
  return 0;
}
