// Model: binds validated weights to a generated pipeline once, then turns each run's
// caller-owned views into halide_buffer_t arguments and calls the pipeline.
#include "cnnc/runtime/Model.h"

#include "RunContext.h"

#include <HalideRuntime.h>
#include <cstdint>
#include <deque>
#include <limits>

using namespace cnnc::rt;

namespace {

constexpr int64_t kMaxInt32 = std::numeric_limits<int32_t>::max();

bool endsWith(const std::string &text, const std::string &suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string quoted(const std::string &what, const std::string &name) {
  return what + " '" + name + "'";
}

/// Halide's buffers index with 32-bit extents and strides, and (without the
/// large_buffers target feature, which cnnc does not use) reject any buffer whose
/// dense size reaches 2^31 elements; catch that at binding time with a clear message.
Status checkSpecFitsHalide(const std::string &what, const TensorSpec &spec) {
  int64_t elements = 1;
  for (int64_t dim : spec.shape) {
    if (dim < 1 || dim > kMaxInt32 || elements > kMaxInt32 / dim)
      return Error{quoted(what, spec.name) + ": shape " + formatShape(spec.shape) +
                   " does not fit a Halide buffer (at most 2^31-1 elements)"};
    elements *= dim;
  }
  return ok();
}

Status validateSignature(const NetworkSignature &signature) {
  const std::string network = "network '" + signature.name + "': ";
  if (!signature.argv)
    return Error{network + "the signature has no pipeline function"};
  if (signature.prepared.empty() != (signature.prepare == nullptr))
    return Error{network + "the signature's prepared weights and preparation function disagree"};
  for (const std::vector<size_t> *indices : {&signature.runWeights, &signature.prepareWeights})
    for (size_t index : *indices)
      if (index >= signature.weights.size())
        return Error{network + "the signature names weight " + std::to_string(index) +
                     " of " + std::to_string(signature.weights.size())};
  const std::pair<const char *, const std::vector<TensorSpec> *> groups[] = {
      {"input", &signature.inputs},
      {"weight", &signature.weights},
      {"prepared weight", &signature.prepared},
      {"output", &signature.outputs}};
  for (const auto &[what, specs] : groups)
    for (const TensorSpec &spec : *specs) {
      Status fits = checkSpecFitsHalide(what, spec);
      if (!fits)
        return Error{"network '" + signature.name + "': " + fits.error().message};
    }
  return ok();
}

/// Every problem of a set of in-memory weights, one per line: missing, unexpected,
/// misshaped, then inconsistent (data size not matching the shape), each group in
/// name order, worded as the file binder words them.
std::string weightProblems(const std::vector<TensorSpec> &specs,
                           const std::map<std::string, Tensor> &weights) {
  std::map<std::string, const TensorSpec *> byName;
  for (const TensorSpec &spec : specs)
    byName.emplace(spec.name, &spec);
  std::vector<std::string> missing, unexpected, shapes, sizes;
  for (const auto &[name, spec] : byName) {
    auto found = weights.find(name);
    if (found == weights.end()) {
      missing.push_back("missing " + quoted("weight", name));
      continue;
    }
    const Tensor &tensor = found->second;
    if (tensor.shape != spec->shape)
      shapes.push_back(quoted("weight", name) + ": expected shape " + formatShape(spec->shape) +
                       ", found " + formatShape(tensor.shape));
    else if (static_cast<int64_t>(tensor.data.size()) != tensor.numel())
      sizes.push_back(quoted("weight", name) + ": shape " + formatShape(tensor.shape) + " needs " +
                      std::to_string(tensor.numel()) + " values, found " +
                      std::to_string(tensor.data.size()));
  }
  // Like the file binder: PyTorch's batch-norm step counters are not weights.
  for (const auto &entry : weights)
    if (byName.count(entry.first) == 0 && !endsWith(entry.first, ".num_batches_tracked"))
      unexpected.push_back("unexpected " + quoted("weight", entry.first) +
                           " (the network has no such weight)");
  std::string text;
  for (const auto *group : {&missing, &unexpected, &shapes, &sizes})
    for (const std::string &line : *group)
      text += (text.empty() ? "" : "\n") + line;
  return text;
}

/// Whether a view has the dense row-major layout the generated pipelines are
/// specialized for. A dimension of extent 1 never moves, so its stride is free
/// (PyTorch reports various strides for such dimensions).
bool isDense(const std::vector<int64_t> &shape, const std::vector<int64_t> &strides) {
  std::vector<int64_t> dense = denseStrides(shape);
  for (size_t i = 0; i < shape.size(); ++i)
    if (shape[i] != 1 && strides[i] != dense[i])
      return false;
  return true;
}

/// Copies every element of `shape` from one strided layout to another.
void copyStrided(const std::vector<int64_t> &shape, const float *from,
                 const std::vector<int64_t> &fromStrides, float *to,
                 const std::vector<int64_t> &toStrides) {
  std::vector<int64_t> index(shape.size(), 0);
  for (int64_t count = Tensor{shape, {}}.numel(); count > 0; --count) {
    int64_t fromOffset = 0, toOffset = 0;
    for (size_t d = 0; d < shape.size(); ++d) {
      fromOffset += index[d] * fromStrides[d];
      toOffset += index[d] * toStrides[d];
    }
    to[toOffset] = from[fromOffset];
    // Odometer increment, last dimension fastest.
    for (size_t d = shape.size(); d-- > 0;) {
      if (++index[d] < shape[d])
        break;
      index[d] = 0;
    }
  }
}

/// The halide_buffer_t arguments of one call. Everything here belongs to the call,
/// which is what makes run() re-entrant: the pipeline may write to the buffer structs
/// it is given, so even the weights get fresh ones.
///
/// The pipelines declare dense buffers (Halide then needs no stride arithmetic in the
/// inner loops), so a strided view is packed into a dense scratch copy for the call:
/// inputs before it, outputs after it.
class CallFrame {
public:
  explicit CallFrame(size_t argumentCount) {
    buffers_.reserve(argumentCount);
    dims_.reserve(argumentCount);
  }

  void addInput(const ConstTensorView &view) {
    if (isDense(view.shape, view.strides))
      return add(view.data, view.shape);
    std::vector<float> &packed = scratch_.emplace_back(numel(view.shape));
    copyStrided(view.shape, view.data, view.strides, packed.data(), denseStrides(view.shape));
    add(packed.data(), view.shape);
  }

  void addOutput(const TensorView &view) {
    if (isDense(view.shape, view.strides))
      return add(view.data, view.shape);
    std::vector<float> &packed = scratch_.emplace_back(numel(view.shape));
    unpack_.push_back({&view, &packed});
    add(packed.data(), view.shape);
  }

  /// Adds a dense buffer over `data`, dimensions reversed (innermost first, as Halide
  /// orders them); the signature guarantees that extents fit 32 bits.
  void add(const float *data, const std::vector<int64_t> &shape) {
    std::vector<halide_dimension_t> &dims = dims_.emplace_back(shape.size());
    int64_t stride = 1;
    for (size_t i = 0; i < shape.size(); ++i) {
      int64_t extent = shape[shape.size() - 1 - i];
      dims[i] = halide_dimension_t(0, static_cast<int32_t>(extent), static_cast<int32_t>(stride));
      stride *= extent;
    }
    halide_buffer_t &buffer = buffers_.emplace_back();
    buffer = halide_buffer_t{};
    // Halide's ABI has no const buffers; the pipeline only reads its inputs and weights.
    buffer.host = reinterpret_cast<uint8_t *>(const_cast<float *>(data));
    buffer.type = halide_type_t(halide_type_float, 32, 1);
    buffer.dimensions = static_cast<int32_t>(shape.size());
    buffer.dim = dims.data();
  }

  /// The argv array; valid while the frame lives and no buffer is added. With a
  /// user context, argv[0] points at `*userContext` (Halide passes scalars by address).
  std::vector<void *> argv(void **userContext = nullptr) {
    std::vector<void *> pointers;
    if (userContext)
      pointers.push_back(userContext);
    for (halide_buffer_t &buffer : buffers_)
      pointers.push_back(&buffer);
    return pointers;
  }

  /// Copies packed outputs into their strided views, once the pipeline succeeded.
  void unpackOutputs() const {
    for (const Unpack &unpack : unpack_)
      copyStrided(unpack.view->shape, unpack.packed->data(), denseStrides(unpack.view->shape),
                  unpack.view->data, unpack.view->strides);
  }

private:
  struct Unpack {
    const TensorView *view;
    const std::vector<float> *packed;
  };

  static size_t numel(const std::vector<int64_t> &shape) {
    return static_cast<size_t>(Tensor{shape, {}}.numel());
  }

  std::vector<halide_buffer_t> buffers_;              // reserved: never reallocates
  std::vector<std::vector<halide_dimension_t>> dims_; // reserved: inner data stays put
  std::deque<std::vector<float>> scratch_;            // a deque keeps element addresses
  std::vector<Unpack> unpack_;
};

Status checkView(const std::string &what, const TensorSpec &spec, const void *data,
                 const std::vector<int64_t> &shape, const std::vector<int64_t> &strides) {
  if (!data)
    return Error{quoted(what, spec.name) + ": data pointer is null"};
  if (shape != spec.shape)
    return Error{quoted(what, spec.name) + ": expected shape " + formatShape(spec.shape) +
                 ", found " + formatShape(shape)};
  if (strides.size() != shape.size())
    return Error{quoted(what, spec.name) + ": " + std::to_string(shape.size()) +
                 " dimensions but " + std::to_string(strides.size()) + " strides"};
  for (size_t d = 0; d < strides.size(); ++d) {
    // PyTorch never makes negative strides; a view with them points before `data`.
    if (strides[d] < 0)
      return Error{quoted(what, spec.name) + ": stride " + std::to_string(strides[d]) +
                   " of dimension " + std::to_string(d) + " is negative"};
    // A broadcast input (expand: stride 0) is fine to read; an output with stride 0
    // would have every run of the dimension overwrite the same elements.
    if (strides[d] == 0 && shape[d] > 1 && what == "output")
      return Error{quoted(what, spec.name) + ": stride 0 of dimension " + std::to_string(d) +
                   " (extent " + std::to_string(shape[d]) + ") makes its elements overlap"};
  }
  return ok();
}

Status checkCount(const NetworkSignature &signature, const char *what, size_t expected,
                  size_t found) {
  if (expected == found)
    return ok();
  return Error{"network '" + signature.name + "' takes " + std::to_string(expected) + " " + what +
               (expected == 1 ? "" : "s") + ", got " + std::to_string(found)};
}

/// Names for the codes a CPU pipeline returns in practice; Halide's own message has
/// already gone to its error handler (stderr by default).
const char *halideErrorName(int code) {
  switch (code) {
  case halide_error_code_generic_error:
    return "generic error";
  case halide_error_code_bad_type:
    return "bad buffer type";
  case halide_error_code_access_out_of_bounds:
    return "access out of bounds";
  case halide_error_code_buffer_allocation_too_large:
    return "buffer allocation too large";
  case halide_error_code_buffer_extents_too_large:
    return "buffer extents too large";
  case halide_error_code_constraint_violated:
    return "buffer constraint violated";
  case halide_error_code_out_of_memory:
    return "out of memory";
  case halide_error_code_buffer_argument_is_null:
    return "buffer argument is null";
  case halide_error_code_bad_dimensions:
    return "wrong number of dimensions";
  default:
    return "see Halide's message on stderr";
  }
}

/// Calls a generated function on `frame`'s buffers. With a user context, the run is
/// registered with the Halide hooks: its allocations come from `scratch` (if any) and
/// Halide's error message lands in the Error instead of on stderr.
Status callPipeline(const NetworkSignature &sig, HalideArgvFunction function, CallFrame &frame,
                    ScratchArena *scratch, const char *what = "the pipeline") {
  detail::RunContext context;
  context.arena = scratch;
  void *userContext = &context;
  int code = halide_error_code_success;
  if (sig.takesUserContext) {
    detail::RunRegistration registration(context);
    std::vector<void *> argv = frame.argv(&userContext);
    code = function(argv.data());
  } else {
    std::vector<void *> argv = frame.argv();
    code = function(argv.data());
  }
  if (code == halide_error_code_success)
    return ok();
  std::string message = "network '" + sig.name + "': " + what + " failed with Halide error " +
                        std::to_string(code) + " (" + halideErrorName(code) + ")";
  if (scratch && context.refusedBytes)
    message += "; the scratch arena of " + std::to_string(scratch->capacity()) +
               " bytes could not supply " + std::to_string(context.refusedBytes) + " more bytes";
  if (!context.halideMessage.empty())
    message += ": " + context.halideMessage;
  return Error{message};
}

/// The single place where bound weights take the layout the pipeline expects: runs
/// the network's preparation function once, keeps what it wrote and the raw weights
/// the network still reads directly, and lets the rest go.
Expected<std::vector<Tensor>> prepareWeights(const NetworkSignature &signature,
                                             std::map<std::string, Tensor> weights) {
  std::vector<Tensor> prepared;
  for (const TensorSpec &spec : signature.prepared)
    prepared.push_back(Tensor::zeros(spec.shape));
  if (signature.prepare) {
    CallFrame frame(signature.prepareWeights.size() + prepared.size());
    for (size_t index : signature.prepareWeights) {
      const Tensor &raw = weights.at(signature.weights[index].name);
      frame.add(raw.data.data(), raw.shape);
    }
    for (const Tensor &tensor : prepared)
      frame.add(tensor.data.data(), tensor.shape);
    Status done =
        callPipeline(signature, signature.prepare, frame, nullptr, "preparing the weights");
    if (!done)
      return done.error();
  }
  std::vector<Tensor> bound;
  bound.reserve(signature.runWeights.size() + prepared.size());
  for (size_t index : signature.runWeights)
    bound.push_back(std::move(weights.at(signature.weights[index].name)));
  for (Tensor &tensor : prepared)
    bound.push_back(std::move(tensor));
  return bound;
}

} // namespace

Expected<Model> Model::fromTensors(const NetworkSignature &signature,
                                   std::map<std::string, Tensor> weights) {
  Status valid = validateSignature(signature);
  if (!valid)
    return valid.error();
  std::string problems = weightProblems(signature.weights, weights);
  if (!problems.empty())
    return Error{problems};
  Expected<std::vector<Tensor>> bound = prepareWeights(signature, std::move(weights));
  if (!bound)
    return bound.error();
  return Model(signature, std::move(*bound));
}

Expected<Model> Model::fromEmbedded(const NetworkSignature &signature) {
  Status valid = validateSignature(signature);
  if (!valid)
    return valid.error();
  // The library holds the weights as the network function takes them, prepared when it
  // was compiled: the raw weights it reads directly, then the prepared tensors.
  std::vector<Tensor> bound;
  for (size_t index : signature.runWeights)
    bound.push_back(Tensor::zeros(signature.weights[index].shape));
  for (const TensorSpec &spec : signature.prepared)
    bound.push_back(Tensor::zeros(spec.shape));
  if (!signature.weights.empty()) {
    if (!signature.embeddedWeights)
      return Error{"network '" + signature.name + "' has no embedded weights (compile it with "
                   "--weights, or bind them with fromFile)"};
    CallFrame frame(bound.size());
    for (const Tensor &tensor : bound)
      frame.add(tensor.data.data(), tensor.shape);
    Status copied = callPipeline(signature, signature.embeddedWeights, frame, nullptr,
                                 "copying the embedded weights");
    if (!copied)
      return copied.error();
  }
  return Model(signature, std::move(bound));
}

Expected<Model> Model::fromFile(const NetworkSignature &signature, const std::string &weightsPath) {
  Status valid = validateSignature(signature);
  if (!valid)
    return valid.error();
  // loadTensors validates names, dtypes and shapes, every problem at once.
  auto weights = loadTensors(weightsPath, signature.weights, "weight");
  if (!weights)
    return weights.error();
  Expected<std::vector<Tensor>> bound = prepareWeights(signature, std::move(*weights));
  if (!bound)
    return bound.error();
  return Model(signature, std::move(*bound));
}

Status Model::run(const std::vector<ConstTensorView> &inputs, const std::vector<TensorView> &outputs,
                  ScratchArena *scratch) const {
  const NetworkSignature &sig = signature_;
  if (scratch && !sig.takesUserContext)
    return Error{"network '" + sig.name + "': built without a user context, so it cannot use a "
                 "scratch arena (recompile it with this version of cnnc)"};
  if (Status counted = checkCount(sig, "input", sig.inputs.size(), inputs.size()); !counted)
    return counted;
  if (Status counted = checkCount(sig, "output", sig.outputs.size(), outputs.size()); !counted)
    return counted;
  CallFrame frame(inputs.size() + weights_.size() + outputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    const ConstTensorView &view = inputs[i];
    if (Status good = checkView("input", sig.inputs[i], view.data, view.shape, view.strides); !good)
      return good;
    frame.addInput(view);
  }
  for (const Tensor &weight : weights_)
    frame.add(weight.data.data(), weight.shape);
  for (size_t i = 0; i < outputs.size(); ++i) {
    const TensorView &view = outputs[i];
    if (Status good = checkView("output", sig.outputs[i], view.data, view.shape, view.strides);
        !good)
      return good;
    frame.addOutput(view);
  }
  Status called = callPipeline(sig, sig.argv, frame, scratch);
  if (!called)
    return called;
  frame.unpackOutputs();
  return ok();
}

Status Model::runDense(const float *const *inputs, size_t inputCount, float *const *outputs,
                       size_t outputCount, ScratchArena *scratch) const {
  const NetworkSignature &sig = signature_;
  if (Status counted = checkCount(sig, "input", sig.inputs.size(), inputCount); !counted)
    return counted;
  if (Status counted = checkCount(sig, "output", sig.outputs.size(), outputCount); !counted)
    return counted;
  if ((inputCount != 0 && !inputs) || (outputCount != 0 && !outputs))
    return Error{"network '" + sig.name + "': the array of data pointers is null"};
  std::vector<ConstTensorView> inputViews;
  for (size_t i = 0; i < inputCount; ++i)
    inputViews.push_back(ConstTensorView::dense(inputs[i], sig.inputs[i].shape));
  std::vector<TensorView> outputViews;
  for (size_t i = 0; i < outputCount; ++i)
    outputViews.push_back(TensorView::dense(outputs[i], sig.outputs[i].shape));
  return run(inputViews, outputViews, scratch);
}
