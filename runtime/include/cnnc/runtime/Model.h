// Model: a network compiled ahead of time (`cnnc compile`) with its weights bound,
// ready to run on caller-owned buffers. The generated wrapper header NAME.hpp holds
// one; this is also the API for code that drives a network through its signature.
//
// What a program links: the generated NAME.a (the network, without the Halide
// runtime), cnnc_runtime, and exactly one Halide runtime (halide_runtime.a, written
// by `cnnc compile` or `cnnc runtime`) however many networks it holds. No libHalide,
// no LLVM.
//
// Halide runtime behaviour that is process-wide, not per model:
//  - Halide's allocation and error hooks (halide_set_custom_malloc/free,
//    halide_set_error_handler) are global. On its first run a Model installs its own,
//    once; they recognize cnnc's runs by the user context each run passes, serve those
//    (an error inside a pipeline becomes the run's Error, with Halide's message, instead
//    of going to stderr; a ScratchArena supplies the allocations) and pass every other
//    call to the handler installed before. A program that installs handlers of its own
//    should do so before its first run, so that cnnc chains to them;
//  - the worker thread pool is shared by every pipeline; see setThreadCount
//    (cnnc/runtime/Threads.h).
#pragma once

#include "cnnc/runtime/Expected.h"
#include "cnnc/runtime/ScratchArena.h"
#include "cnnc/runtime/Tensor.h"
#include "cnnc/runtime/TensorBinding.h"
#include "cnnc/runtime/TensorView.h"

#include <cstddef>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace cnnc::rt {

/// Halide's generated `int NAME_argv(void **args)`: args[i] is a `halide_buffer_t *`
/// for the i-th argument (inputs, then weights, then outputs); returns 0 on success
/// or a negative `halide_error_code_t`.
using HalideArgvFunction = int (*)(void **);

/// Everything the runtime knows about a compiled network: the tensors it takes, in
/// PyTorch's shapes. The generated NAME.hpp builds it from constants
/// (NAME::signature()).
///
/// Weights are bound in two steps. `prepare` (NAME_prepare) turns the raw weights
/// listed in `prepareWeights` into the `prepared` tensors (layouts the schedule
/// wants, batch-norm folded into convolutions) once, when a Model is made. `argv`
/// (NAME) then takes, in this order: the inputs, the raw weights listed in
/// `runWeights`, the prepared tensors, and the outputs.
struct NetworkSignature {
  std::string name;                // the generated function's name
  std::vector<TensorSpec> inputs;  // declaration order
  std::vector<TensorSpec> weights; // raw: "conv1.weight", ... as a state_dict names them
  std::vector<TensorSpec> outputs; // the network's `output` order
  HalideArgvFunction argv = nullptr;
  /// Whether argv's first argument is a Halide user context (`cnnc compile` builds
  /// every network with Halide's user_context feature); it carries the run's
  /// ScratchArena and error message. Hand-written stand-ins may leave it false.
  bool takesUserContext = false;
  /// With weights embedded at compile time (`cnnc compile --weights`): the generated
  /// NAME_embedded_weights_argv, whose outputs are the weights as argv takes them,
  /// prepared at compile time: the raw weights at `runWeights`, then `prepared`.
  HalideArgvFunction embeddedWeights = nullptr;
  std::vector<size_t> runWeights;     // indices into `weights` that argv reads directly
  std::vector<size_t> prepareWeights; // indices into `weights` that prepare reads
  std::vector<TensorSpec> prepared;   // what prepare writes, Halide's names
  HalideArgvFunction prepare = nullptr; // null exactly when `prepared` is empty
};

/// A compiled network with bound weights. Movable, not copyable. A Model only exists
/// once its weights have been validated, so run() needs no "is it loaded" state.
///
/// run() is const and re-entrant: several threads may run one Model at once (weights
/// are read-only after binding; every per-call structure lives in the call).
class Model {
public:
  /// Reads the weights from a safetensors file (a PyTorch state_dict whose module
  /// names match the layers loads as is; `*.num_batches_tracked` is ignored). Every
  /// missing, unexpected, mistyped or misshaped tensor is listed in one Error.
  static Expected<Model> fromFile(const NetworkSignature &signature,
                                  const std::string &weightsPath);

  /// Binds weights already in memory, validated as fromFile does. `weights` is moved
  /// in, so no copy is made when the layout needs no conversion.
  static Expected<Model> fromTensors(const NetworkSignature &signature,
                                     std::map<std::string, Tensor> weights);

  /// Binds the weights compiled into the library (`cnnc compile --weights`); no
  /// file is read. An Error if the network was compiled without them.
  static Expected<Model> fromEmbedded(const NetworkSignature &signature);

  Model(Model &&) noexcept = default;
  Model &operator=(Model &&) noexcept = default;
  Model(const Model &) = delete;
  Model &operator=(const Model &) = delete;
  ~Model() = default;

  /// Runs the network once. `inputs` and `outputs` follow the signature's order and
  /// must match its shapes exactly. Dense row-major views are passed straight to the
  /// pipeline; any other strides work too, through a dense scratch copy made for the
  /// call (the generated pipelines are specialized for dense tensors). Outputs must
  /// not overlap each other or the inputs. Every mistake is an Error
  /// naming the tensor ("input 'image': expected shape [1, 3, 8, 8], found
  /// [1, 3, 8, 9]"); a failure inside the pipeline is an Error with Halide's code
  /// and message.
  ///
  /// With `scratch`, every allocation the pipeline makes comes from it and none from
  /// the heap (see ScratchArena for what that covers); one that does not fit fails the
  /// run with an Error. An arena of NAME::kScratchBytes always suffices.
  Status run(const std::vector<ConstTensorView> &inputs, const std::vector<TensorView> &outputs,
             ScratchArena *scratch = nullptr) const;

  /// Runs on dense row-major buffers of exactly the signature's shapes: `inputs` holds
  /// signature().inputs.size() pointers, `outputs` signature().outputs.size(). The
  /// typed `run(const float *image, ..., float *out)` of NAME.hpp calls this.
  Status runDense(const float *const *inputs, size_t inputCount, float *const *outputs,
                  size_t outputCount, ScratchArena *scratch = nullptr) const;

  const NetworkSignature &signature() const { return signature_; }

  /// The weights as the pipeline takes them: signature().runWeights, then the
  /// prepared tensors. These are all the weight memory a Model holds.
  const std::vector<Tensor> &preparedWeights() const { return weights_; }

private:
  Model(NetworkSignature signature, std::vector<Tensor> weights)
      : signature_(std::move(signature)), weights_(std::move(weights)) {}

  NetworkSignature signature_;
  std::vector<Tensor> weights_;
};

} // namespace cnnc::rt
