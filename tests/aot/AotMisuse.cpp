// Misuse of the runtime API: each mistake a caller can make (wrong shapes or counts,
// null pointers, bad weight files or tensors) must return an error value naming the
// tensor; the program must never abort. Also includes conv_pool_fused.hpp in a second
// translation unit, which must link (the header's statics are inline).
#include "AotTestUtil.h"
#include "conv_pool_fused.hpp"

#include <HalideRuntime.h>
#include <fstream>

namespace cnnc::aottest {

namespace {

using Net = nets::conv_pool_fused;

void checkRunMisuse(const Net &net, Checker &checker) {
  std::vector<float> in(Net::kImageElements + 8), out(Net::kPool1Elements);
  const std::vector<int64_t> inShape(Net::kImageShape.begin(), Net::kImageShape.end());
  const std::vector<int64_t> outShape(Net::kPool1Shape.begin(), Net::kPool1Shape.end());
  auto input = rt::ConstTensorView::dense(in.data(), inShape);
  auto output = rt::TensorView::dense(out.data(), outShape);
  checker.expectError(net.run({rt::ConstTensorView::dense(in.data(), {1, 3, 8, 9})}, {output}),
                      "run: wrong input shape",
                      "input 'image': expected shape [1, 3, 8, 8], found [1, 3, 8, 9]");
  checker.expectError(net.run({input}, {rt::TensorView::dense(out.data(), {1, 4, 4})}),
                      "run: wrong output rank", "output 'pool1': expected shape [1, 4, 4, 4]");
  checker.expectError(net.run({input, input}, {output}), "run: too many inputs",
                      "network 'conv_pool_fused' takes 1 input, got 2");
  checker.expectError(net.run({input}, {}), "run: missing output",
                      "network 'conv_pool_fused' takes 1 output, got 0");
  checker.expectError(net.run(nullptr, out.data()), "run: null input pointer",
                      "input 'image': data pointer is null");
  checker.expectError(net.run(in.data(), nullptr), "run: null output pointer",
                      "output 'pool1': data pointer is null");
  checker.expectError(net.run({rt::ConstTensorView(in.data(), inShape, {192, 64, 8})}, {output}),
                      "run: strides of the wrong rank",
                      "input 'image': 4 dimensions but 3 strides");
  checker.expectError(net.model().runDense(nullptr, 1, nullptr, 1), "runDense: null arrays",
                      "array of data pointers is null");
  checker.expectError(net.run({rt::ConstTensorView(in.data(), inShape, {192, 64, -8, 1})}, {output}),
                      "run: a negative stride",
                      "input 'image': stride -8 of dimension 2 is negative");
  checker.expectError(net.run({input}, {rt::TensorView{out.data(), outShape, {64, 16, 0, 1}}}),
                      "run: an output whose elements overlap",
                      "output 'pool1': stride 0 of dimension 2 (extent 4) makes its elements overlap");
  // A broadcast input (stride 0, as torch.expand makes) is read through a dense copy.
  std::vector<float> row(8, 1.0f);
  checker.expect(bool(net.run({rt::ConstTensorView(row.data(), inShape, {0, 0, 0, 1})}, {output})),
                 "run: a broadcast input with stride 0");
  checker.expect(bool(net.run(in.data(), out.data())), "run: still usable after misuse");
}

rt::Status writeWeights(const std::string &path, const std::map<std::string, rt::Tensor> &weights) {
  std::vector<std::pair<std::string, const rt::Tensor *>> named;
  for (const auto &[name, tensor] : weights)
    named.emplace_back(name, &tensor);
  return rt::writeSafetensors(path, named);
}

/// A weights file with one change applied, then bound with fromFile.
template <class Change>
rt::Status bindChanged(const std::string &dir, const std::string &variant, Change change) {
  auto weights =
      rt::loadTensors(dataPath(dir, "conv_pool", "weights"), Net::signature().weights, "weight");
  if (!weights)
    return weights.error();
  change(*weights);
  const std::string path = dir + "/misuse_" + variant + ".safetensors";
  if (rt::Status written = writeWeights(path, *weights); !written)
    return written;
  auto net = Net::fromFile(path);
  return net ? rt::ok() : rt::Status(net.error());
}

void checkFileMisuse(const std::string &dir, Checker &checker) {
  using Weights = std::map<std::string, rt::Tensor>;
  checker.expectError(bindChanged(dir, "misshaped",
                                  [](Weights &w) {
                                    w["conv1.weight"] = rt::Tensor::zeros({4, 3, 5, 5});
                                  }),
                      "fromFile: misshaped weight",
                      "weight 'conv1.weight': expected shape [4, 3, 3, 3], found [4, 3, 5, 5]");
  checker.expectError(bindChanged(dir, "missing", [](Weights &w) { w.erase("conv1.bias"); }),
                      "fromFile: missing weight", "missing weight 'conv1.bias'");
  checker.expectError(bindChanged(dir, "unexpected",
                                  [](Weights &w) { w["conv9.weight"] = rt::Tensor::zeros({1}); }),
                      "fromFile: unexpected weight", "unexpected weight 'conv9.weight'");
  rt::Status counter = bindChanged(
      dir, "counter", [](Weights &w) { w["bn1.num_batches_tracked"] = rt::Tensor::zeros({}); });
  checker.expect(bool(counter), "fromFile: num_batches_tracked is ignored",
                 counter ? "" : counter.error().message);
  auto absent = Net::fromFile(dir + "/no_such_file.safetensors");
  checker.expectError(absent ? rt::ok() : rt::Status(absent.error()), "fromFile: absent file",
                      "no_such_file.safetensors");
  // A header length and nothing after it.
  std::ofstream(dir + "/misuse_truncated.safetensors", std::ios::binary).write("\x40\0\0\0", 4);
  auto truncated = Net::fromFile(dir + "/misuse_truncated.safetensors");
  checker.expectError(truncated ? rt::ok() : rt::Status(truncated.error()),
                      "fromFile: truncated file", "misuse_truncated.safetensors");
}

void checkTensorMisuse(const std::string &dir, Checker &checker) {
  auto weights =
      rt::loadTensors(dataPath(dir, "conv_pool", "weights"), Net::signature().weights, "weight");
  checker.expect(bool(weights), "load weights for fromTensors");
  if (!weights)
    return;
  auto shortData = *weights;
  shortData["conv1.bias"].data.resize(3);
  auto bound = Net::fromTensors(shortData);
  checker.expectError(bound ? rt::ok() : rt::Status(bound.error()),
                      "fromTensors: data shorter than the shape",
                      "weight 'conv1.bias': shape [4] needs 4 values, found 3");
  auto empty = Net::fromTensors();
  checker.expectError(empty ? rt::ok() : rt::Status(empty.error()),
                      "fromTensors: no weights at all", "missing weight 'bn1.bias'");
  checker.expect(bool(Net::fromTensors(std::move(*weights))), "fromTensors: valid weights");
}

/// A stand-in pipeline that checks the buffers it gets, then fails like a pipeline
/// that ran out of memory: the runtime must pass dimensions innermost first, and
/// turn the code into an Error.
int failingPipeline(void **args) {
  auto *input = static_cast<halide_buffer_t *>(args[0]);
  bool reversed = input->dimensions == 3 && input->dim[0].extent == 5 &&
                  input->dim[0].stride == 1 && input->dim[2].extent == 2 &&
                  input->dim[2].stride == 15;
  return reversed ? halide_error_code_out_of_memory : halide_error_code_generic_error;
}

/// A stand-in weight preparation that fails like one that ran out of memory.
int failingPreparation(void **) { return halide_error_code_out_of_memory; }

/// Weight preparation runs once, at binding: its failure, and a signature whose
/// preparation does not add up, are Errors from fromTensors, not crashes in run().
void checkPreparationFailure(const rt::NetworkSignature &base, Checker &checker) {
  rt::NetworkSignature signature = base;
  signature.weights = {{"w", {4}}};
  signature.prepareWeights = {0};
  signature.prepared = {{"w_prepared", {4}}};
  signature.prepare = &failingPreparation;
  std::map<std::string, rt::Tensor> weights;
  weights["w"] = rt::Tensor::zeros({4});
  auto failed = rt::Model::fromTensors(signature, weights);
  checker.expectError(failed ? rt::ok() : rt::Status(failed.error()),
                      "fromTensors: the preparation fails",
                      "network 'stand_in': preparing the weights failed with Halide error -11 "
                      "(out of memory)");
  rt::NetworkSignature badIndex = signature;
  badIndex.runWeights = {1};
  auto inconsistent = rt::Model::fromTensors(badIndex, weights);
  checker.expectError(inconsistent ? rt::ok() : rt::Status(inconsistent.error()),
                      "fromTensors: a signature naming a weight it lacks",
                      "the signature names weight 1 of 1");
  rt::NetworkSignature noPrepare = signature;
  noPrepare.prepare = nullptr;
  auto unprepared = rt::Model::fromTensors(noPrepare, weights);
  checker.expectError(unprepared ? rt::ok() : rt::Status(unprepared.error()),
                      "fromTensors: prepared weights without a preparation function",
                      "prepared weights and preparation function disagree");
}

void checkPipelineFailure(Checker &checker) {
  rt::NetworkSignature signature{"stand_in", {{"x", {2, 3, 5}}}, {}, {{"y", {2}}},
                                 &failingPipeline, false, nullptr, {}, {}, {}, nullptr};
  auto model = rt::Model::fromTensors(signature, {});
  checker.expect(bool(model), "stand-in model binds");
  if (!model)
    return;
  std::vector<float> x(30), y(2);
  checker.expectError(
      model->run({rt::ConstTensorView::dense(x.data(), {2, 3, 5})},
                 {rt::TensorView::dense(y.data(), {2})}),
      "run: a Halide error becomes an Error",
      "network 'stand_in': the pipeline failed with Halide error -11 (out of memory)");
  rt::NetworkSignature noEntry = signature;
  noEntry.argv = nullptr;
  auto unusable = rt::Model::fromTensors(noEntry, {});
  checker.expectError(unusable ? rt::ok() : rt::Status(unusable.error()),
                      "fromTensors: a signature without entry point", "no pipeline function");
  checkPreparationFailure(signature, checker);
}

} // namespace

void checkMisuse(const std::string &dir, Checker &checker) {
  auto net = Net::fromFile(dataPath(dir, "conv_pool", "weights"));
  checker.expect(bool(net), "fromFile", net ? "" : net.error().message);
  if (net)
    checkRunMisuse(*net, checker);
  checkFileMisuse(dir, checker);
  checkTensorMisuse(dir, checker);
  checkPipelineFailure(checker);
}

} // namespace cnnc::aottest
