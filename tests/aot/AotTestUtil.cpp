// Seeded test data, the SPEC tolerance, strided and concurrent runs for the AOT test.
#include "AotTestUtil.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <ostream>
#include <random>

namespace cnnc::aottest {

namespace {

/// FNV-1a: a seed per data set that does not depend on the standard library.
uint32_t seedOf(const std::string &text) {
  uint32_t hash = 2166136261u;
  for (char c : text)
    hash = (hash ^ static_cast<uint8_t>(c)) * 16777619u;
  return hash;
}

bool endsWith(const std::string &text, const std::string &suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

rt::Tensor randomTensor(const rt::TensorSpec &spec, std::mt19937 &random) {
  // A batch-norm variance must be positive; everything else may have either sign.
  const bool positive = endsWith(spec.name, ".running_var");
  std::uniform_real_distribution<float> values(positive ? 0.5f : -1.0f, positive ? 1.5f : 1.0f);
  rt::Tensor tensor = rt::Tensor::zeros(spec.shape);
  for (float &value : tensor.data)
    value = values(random);
  return tensor;
}

rt::Status writeTensors(const std::string &path, const std::vector<rt::TensorSpec> &specs,
                        std::mt19937 &random) {
  std::vector<rt::Tensor> tensors;
  for (const rt::TensorSpec &spec : specs)
    tensors.push_back(randomTensor(spec, random));
  std::vector<std::pair<std::string, const rt::Tensor *>> named;
  for (size_t i = 0; i < specs.size(); ++i)
    named.emplace_back(specs[i].name, &tensors[i]);
  return rt::writeSafetensors(path, named);
}

std::vector<rt::Tensor> inOrder(std::map<std::string, rt::Tensor> tensors,
                                const std::vector<rt::TensorSpec> &specs) {
  std::vector<rt::Tensor> ordered;
  for (const rt::TensorSpec &spec : specs)
    ordered.push_back(std::move(tensors.at(spec.name)));
  return ordered;
}

/// A copy of `tensor` whose last dimension is followed by `gap` sentinel values.
struct PaddedTensor {
  std::vector<float> storage;
  std::vector<int64_t> strides;
};

constexpr int64_t kGap = 3;
constexpr float kSentinel = -12345.0f;

PaddedTensor padLastDim(const std::vector<int64_t> &shape, const float *values) {
  const int64_t width = shape.back(), rows = rt::Tensor{shape, {}}.numel() / width;
  PaddedTensor padded{std::vector<float>(static_cast<size_t>(rows * (width + kGap)), kSentinel),
                      rt::denseStrides(shape)};
  for (size_t d = 0; d + 1 < shape.size(); ++d)
    padded.strides[d] = padded.strides[d] / width * (width + kGap);
  if (values)
    for (int64_t row = 0; row < rows; ++row)
      std::copy(values + row * width, values + (row + 1) * width,
                padded.storage.begin() + row * (width + kGap));
  return padded;
}

/// The dense values of a padded tensor, or "" in `error` if its gap was overwritten.
std::vector<float> unpadLastDim(const std::vector<int64_t> &shape, const PaddedTensor &padded,
                                std::string &error) {
  const int64_t width = shape.back(), rows = rt::Tensor{shape, {}}.numel() / width;
  std::vector<float> values;
  for (int64_t row = 0; row < rows; ++row) {
    auto begin = padded.storage.begin() + row * (width + kGap);
    values.insert(values.end(), begin, begin + width);
    if (std::any_of(begin + width, begin + width + kGap, [](float v) { return v != kSentinel; }))
      error = "a run wrote outside its strided output view";
  }
  return values;
}

} // namespace

std::string dataPath(const std::string &dir, const std::string &set, const char *kind) {
  return dir + "/" + set + "." + kind + ".safetensors";
}

rt::Status writeRandomData(const std::string &dir, const std::string &set,
                           const rt::NetworkSignature &signature) {
  std::mt19937 random(seedOf(set));
  rt::Status weights = writeTensors(dataPath(dir, set, "weights"), signature.weights, random);
  if (!weights)
    return weights;
  return writeTensors(dataPath(dir, set, "inputs"), signature.inputs, random);
}

void Checker::expect(bool passed, const std::string &name, const std::string &detail) {
  if (passed)
    ++passed_;
  else
    failures_.emplace_back(name, detail);
}

void Checker::expectError(const rt::Status &status, const std::string &name,
                          const std::string &needle) {
  if (status) {
    expect(false, name, "succeeded, but an error was expected");
    return;
  }
  const std::string &message = status.error().message;
  expect(message.find(needle) != std::string::npos, name,
         "error '" + message + "' does not contain '" + needle + "'");
}

int Checker::summary(std::ostream &os) const {
  for (const auto &[name, detail] : failures_)
    os << "FAIL " << name << (detail.empty() ? "" : ": " + detail) << "\n";
  os << passed_ << " checks passed, " << failures_.size() << " failed\n";
  return failures_.empty() && passed_ > 0 ? 0 : 1;
}

std::string compareWithinTolerance(const std::string &name, const std::vector<float> &got,
                                   const rt::Tensor &expected) {
  if (got.size() != expected.data.size())
    return name + ": " + std::to_string(got.size()) + " values, expected " +
           std::to_string(expected.data.size());
  double scale = 0;
  for (float value : expected.data)
    scale = std::max(scale, std::fabs(double(value)));
  for (size_t i = 0; i < got.size(); ++i) {
    double want = expected.data[i], error = std::fabs(double(got[i]) - want);
    if (!(error <= 1e-4 * (std::fabs(want) + 0.1 * scale)))
      return name + "[" + std::to_string(i) + "] = " + std::to_string(got[i]) + ", expected " +
             std::to_string(want);
  }
  return "";
}

rt::Expected<Reference> loadReference(const std::string &dir, const std::string &set,
                                      const rt::NetworkSignature &signature) {
  auto inputs = rt::loadTensors(dataPath(dir, set, "inputs"), signature.inputs, "input");
  if (!inputs)
    return inputs.error();
  auto expected = rt::loadTensors(dataPath(dir, set, "expected"), signature.outputs, "output");
  if (!expected)
    return expected.error();
  Reference reference;
  reference.buffers.inputs = inOrder(std::move(*inputs), signature.inputs);
  for (const rt::TensorSpec &spec : signature.outputs)
    reference.buffers.outputs.push_back(rt::Tensor::zeros(spec.shape));
  reference.expected = inOrder(std::move(*expected), signature.outputs);
  return reference;
}

std::string compareOutputs(const rt::NetworkSignature &signature, const Buffers &buffers,
                           const std::vector<rt::Tensor> &expected) {
  for (size_t i = 0; i < expected.size(); ++i) {
    std::string mismatch =
        compareWithinTolerance(signature.outputs[i].name, buffers.outputs[i].data, expected[i]);
    if (!mismatch.empty())
      return mismatch;
  }
  return "";
}

std::string runStrided(const rt::Model &model, const Reference &reference) {
  const rt::NetworkSignature &signature = model.signature();
  std::vector<PaddedTensor> inputs, outputs;
  std::vector<rt::ConstTensorView> inputViews;
  std::vector<rt::TensorView> outputViews;
  for (const rt::Tensor &input : reference.buffers.inputs) {
    inputs.push_back(padLastDim(input.shape, input.data.data()));
    inputViews.emplace_back(inputs.back().storage.data(), input.shape, inputs.back().strides);
  }
  for (const rt::TensorSpec &spec : signature.outputs) {
    outputs.push_back(padLastDim(spec.shape, nullptr));
    outputViews.push_back({outputs.back().storage.data(), spec.shape, outputs.back().strides});
  }
  rt::Status status = model.run(inputViews, outputViews);
  if (!status)
    return status.error().message;
  for (size_t i = 0; i < outputs.size(); ++i) {
    std::string error;
    std::vector<float> values = unpadLastDim(signature.outputs[i].shape, outputs[i], error);
    if (error.empty())
      error = compareWithinTolerance(signature.outputs[i].name, values, reference.expected[i]);
    if (!error.empty())
      return error;
  }
  return "";
}

std::string runConcurrently(const rt::NetworkSignature &signature, const Reference &reference,
                            const TypedRun &run) {
  constexpr int kThreads = 4, kRunsPerThread = 25;
  std::vector<std::string> errors(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kRunsPerThread && errors[t].empty(); ++i) {
        Buffers buffers = reference.buffers;
        rt::Status status = run(buffers);
        errors[t] = status ? compareOutputs(signature, buffers, reference.expected)
                           : status.error().message;
      }
    });
  for (std::thread &thread : threads)
    thread.join();
  for (const std::string &error : errors)
    if (!error.empty())
      return error;
  return "";
}

} // namespace cnnc::aottest
