// Helpers of the AOT test program: seeded data, the SPEC tolerance, and one generic
// check of a generated network class (typed run, views, strided views, threads).
// Uses only what a user of the generated headers has: cnnc_runtime's API.
#pragma once

#include "cnnc/runtime/Model.h"
#include "cnnc/runtime/Safetensors.h"
#include "cnnc/runtime/TensorBinding.h"

#include <functional>
#include <iosfwd>
#include <map>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace cnnc::aottest {

/// A network's data files: DIR/NAME.{weights,inputs,expected}.safetensors.
struct DataSet {
  const char *name;
  const rt::NetworkSignature &(*signature)();
};

std::string dataPath(const std::string &dir, const std::string &set, const char *kind);

/// Writes seeded uniform weights (running variances positive) and inputs.
rt::Status writeRandomData(const std::string &dir, const std::string &set,
                           const rt::NetworkSignature &signature);

/// Collects named results and prints them; summary() is the exit code.
class Checker {
public:
  void expect(bool passed, const std::string &name, const std::string &detail = "");
  /// Passes when `status` failed with a message containing `needle`.
  void expectError(const rt::Status &status, const std::string &name, const std::string &needle);
  int summary(std::ostream &os) const;

private:
  std::vector<std::pair<std::string, std::string>> failures_;
  int passed_ = 0;
};

/// "" when `got` matches `expected` within SPEC's tolerance, else where it does not:
/// per tensor, with S = max|expected|, |got - expected| <= 1e-4 (|expected| + 0.1 S).
std::string compareWithinTolerance(const std::string &name, const std::vector<float> &got,
                                   const rt::Tensor &expected);

/// The tensors of one run: inputs as loaded, outputs zeroed, in signature order.
struct Buffers {
  std::vector<rt::Tensor> inputs, outputs;

  const float *in(size_t i) const { return inputs[i].data.data(); }
  float *out(size_t i) { return outputs[i].data.data(); }
};

/// The inputs and expected outputs of data set `set`, or an error.
struct Reference {
  Buffers buffers; // inputs filled, outputs zero
  std::vector<rt::Tensor> expected;
};
rt::Expected<Reference> loadReference(const std::string &dir, const std::string &set,
                                      const rt::NetworkSignature &signature);

/// Compares every output of `buffers` with `reference`; "" when all match.
std::string compareOutputs(const rt::NetworkSignature &signature, const Buffers &buffers,
                           const std::vector<rt::Tensor> &expected);

/// Runs `model` on views whose last dimension is padded (stride W + 3), so the
/// runtime's strided path is used, and checks the padding of the outputs is untouched.
std::string runStrided(const rt::Model &model, const Reference &reference);

using TypedRun = std::function<rt::Status(Buffers &)>;

/// Runs `run` from several threads at once, each on its own buffers.
std::string runConcurrently(const rt::NetworkSignature &signature, const Reference &reference,
                            const TypedRun &run);

/// Misuse of the runtime API through conv_pool_fused (AotMisuse.cpp): every mistake
/// must come back as an error value naming the tensor.
void checkMisuse(const std::string &dir, Checker &checker);

/// Everything a user does with a generated class `Net`: bind weights from a file, run
/// through the typed pointers, through views, strided, from threads, after a move.
template <class Net, class Run>
void checkNetwork(const std::string &dir, const std::string &set, Checker &checker, Run typedRun) {
  const std::string name = Net::kName;
  rt::Expected<Net> net = Net::fromFile(dataPath(dir, set, "weights"));
  checker.expect(bool(net), name + ": fromFile", net ? "" : net.error().message);
  rt::Expected<Reference> reference = loadReference(dir, set, Net::signature());
  checker.expect(bool(reference), name + ": load reference data",
                 reference ? "" : reference.error().message);
  if (!net || !reference)
    return;
  Buffers typed = reference->buffers;
  rt::Status status = typedRun(*net, typed);
  checker.expect(bool(status), name + ": typed run", status ? "" : status.error().message);
  checker.expect(compareOutputs(Net::signature(), typed, reference->expected).empty(),
                 name + ": typed run matches the reference",
                 compareOutputs(Net::signature(), typed, reference->expected));
  std::string strided = runStrided(net->model(), *reference);
  checker.expect(strided.empty(), name + ": strided views match the reference", strided);
  Net moved = std::move(*net);
  std::string threaded = runConcurrently(
      Net::signature(), *reference, [&](Buffers &buffers) { return typedRun(moved, buffers); });
  checker.expect(threaded.empty(), name + ": concurrent runs of one instance match", threaded);
}

/// One model from several threads at once and several models at once, each result
/// equal bit for bit to the model's single-threaded one (AotConcurrency.cpp).
void checkConcurrency(const std::string &dir, Checker &checker);

} // namespace cnnc::aottest
