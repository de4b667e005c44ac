// The C interface (cnnc/cnnc.h) over Model: descriptors become signatures, Errors
// become a per-thread message and a -1, and nothing throws across the C boundary.
#include "cnnc/cnnc.h"

#include "cnnc/runtime/Model.h"
#include "cnnc/runtime/ScratchArena.h"
#include "cnnc/runtime/Threads.h"

#include <exception>
#include <new>

using namespace cnnc::rt;

struct cnnc_model {
  const cnnc_network *network;
  Model model;
};

namespace {

thread_local std::string lastError;

void setError(std::string message) { lastError = std::move(message); }

std::vector<TensorSpec> specsOf(const cnnc_tensor_desc *tensors, size_t count) {
  std::vector<TensorSpec> specs;
  for (size_t i = 0; i < count; ++i)
    specs.push_back({tensors[i].name ? tensors[i].name : "",
                     std::vector<int64_t>(tensors[i].shape, tensors[i].shape + tensors[i].rank)});
  return specs;
}

/// The signature a descriptor describes, or an Error for an unusable descriptor.
Expected<NetworkSignature> signatureOf(const cnnc_network *network) {
  if (!network)
    return Error{"the network descriptor is null"};
  const std::pair<const cnnc_tensor_desc *, size_t> groups[] = {
      {network->inputs, network->input_count},
      {network->weights, network->weight_count},
      {network->outputs, network->output_count},
      {network->prepared, network->prepared_count}};
  for (const auto &[tensors, count] : groups)
    for (size_t i = 0; i < count; ++i)
      if (!tensors || tensors[i].rank < 0 || (tensors[i].rank > 0 && !tensors[i].shape))
        return Error{"network descriptor '" + std::string(network->name ? network->name : "") +
                     "' has a malformed tensor list"};
  NetworkSignature signature;
  signature.name = network->name ? network->name : "";
  signature.inputs = specsOf(network->inputs, network->input_count);
  signature.weights = specsOf(network->weights, network->weight_count);
  signature.outputs = specsOf(network->outputs, network->output_count);
  signature.argv = network->argv;
  signature.takesUserContext = network->takes_user_context != 0;
  signature.embeddedWeights = network->embedded_weights;
  if ((network->run_weight_count && !network->run_weights) ||
      (network->prepare_weight_count && !network->prepare_weights))
    return Error{"network descriptor '" + signature.name + "' has a malformed weight index list"};
  signature.runWeights.assign(network->run_weights,
                              network->run_weights + network->run_weight_count);
  signature.prepareWeights.assign(network->prepare_weights,
                                  network->prepare_weights + network->prepare_weight_count);
  signature.prepared = specsOf(network->prepared, network->prepared_count);
  signature.prepare = network->prepare;
  return signature;
}

/// Wraps a bound Model, or records its Error; never throws (out of memory included).
template <class Bind> cnnc_model *createWith(const cnnc_network *network, Bind bind) {
  try {
    Expected<NetworkSignature> signature = signatureOf(network);
    if (!signature) {
      setError(signature.error().message);
      return nullptr;
    }
    Expected<Model> model = bind(*signature);
    if (!model) {
      setError(model.error().message);
      return nullptr;
    }
    return new cnnc_model{network, std::move(*model)};
  } catch (const std::exception &error) {
    setError(std::string("cannot create the model: ") + error.what());
    return nullptr;
  }
}

int runWith(const cnnc_model *model, const float *const *inputs, size_t inputCount,
            float *const *outputs, size_t outputCount, ScratchArena *arena) {
  if (!model) {
    setError("the model is null");
    return -1;
  }
  try {
    Status status = model->model.runDense(inputs, inputCount, outputs, outputCount, arena);
    if (status)
      return 0;
    setError(status.error().message);
  } catch (const std::exception &error) {
    setError(std::string("run failed: ") + error.what());
  }
  return -1;
}

} // namespace

extern "C" {

cnnc_model *cnnc_model_create_from_file(const cnnc_network *network, const char *weights_path) {
  if (!weights_path) {
    setError("the weights path is null");
    return nullptr;
  }
  return createWith(network, [&](const NetworkSignature &signature) {
    return Model::fromFile(signature, weights_path);
  });
}

cnnc_model *cnnc_model_create_from_memory(const cnnc_network *network, const cnnc_weight *weights,
                                          size_t count) {
  return createWith(network, [&](const NetworkSignature &signature) -> Expected<Model> {
    if (count && !weights)
      return Error{"the weights array is null"};
    std::map<std::string, Tensor> tensors;
    for (size_t i = 0; i < count; ++i) {
      std::string name = weights[i].name ? weights[i].name : "";
      if (!weights[i].data && weights[i].count)
        return Error{"weight '" + name + "': data pointer is null"};
      if (tensors.count(name))
        return Error{"weight '" + name + "' is given twice"};
      // Shape from the signature, size from the caller: fromTensors reports a count
      // that does not match the shape.
      std::vector<int64_t> shape;
      for (const TensorSpec &spec : signature.weights)
        if (spec.name == name)
          shape = spec.shape;
      if (shape.empty())
        shape = {static_cast<int64_t>(weights[i].count)};
      tensors[name] = Tensor{shape, std::vector<float>(weights[i].data,
                                                       weights[i].data + weights[i].count)};
    }
    return Model::fromTensors(signature, std::move(tensors));
  });
}

cnnc_model *cnnc_model_create_embedded(const cnnc_network *network) {
  return createWith(network,
                    [](const NetworkSignature &signature) { return Model::fromEmbedded(signature); });
}

int cnnc_model_run(const cnnc_model *model, const float *const *inputs, size_t input_count,
                   float *const *outputs, size_t output_count) {
  return runWith(model, inputs, input_count, outputs, output_count, nullptr);
}

int cnnc_model_run_with_scratch(const cnnc_model *model, const float *const *inputs,
                                size_t input_count, float *const *outputs, size_t output_count,
                                void *scratch, size_t scratch_bytes) {
  if (!scratch) {
    setError("the scratch buffer is null");
    return -1;
  }
  ScratchArena arena(scratch, scratch_bytes);
  return runWith(model, inputs, input_count, outputs, output_count, &arena);
}

const cnnc_network *cnnc_model_network(const cnnc_model *model) {
  return model ? model->network : nullptr;
}

void cnnc_model_destroy(cnnc_model *model) { delete model; }

const char *cnnc_last_error(void) { return lastError.c_str(); }

void cnnc_set_num_threads(int count) { setThreadCount(count); }

} // extern "C"
