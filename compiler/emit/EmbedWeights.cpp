// embeddedWeightsModule: each weight becomes a Halide::Buffer constant (Halide emits
// the constants a pipeline reads as read-only data in its object file) and a pure
// function that copies it to an output of the same shape.
#include "compiler/emit/EmbedWeights.h"

#include "compiler/lower/LowerToHalide.h"

#include <cassert>
#include <cstring>

namespace cnnc::emit {

std::string embeddedWeightsFunctionName(const std::string &functionName) {
  return functionName + "_embedded_weights";
}

namespace {

/// `tensor` as a Halide buffer: PyTorch's row-major data, dimensions reversed
/// (innermost first), as the pipeline's weight arguments are declared.
Halide::Buffer<float> constantBuffer(const rt::Tensor &tensor, const std::string &name) {
  std::vector<int> extents(tensor.shape.rbegin(), tensor.shape.rend());
  Halide::Buffer<float> buffer(extents, name);
  assert(static_cast<int64_t>(buffer.number_of_elements()) == tensor.numel());
  std::memcpy(buffer.data(), tensor.data.data(), tensor.data.size() * sizeof(float));
  return buffer;
}

} // namespace

Halide::Module embeddedWeightsModule(const std::string &functionName,
                                     const std::vector<WrapperTensor> &specs,
                                     const std::vector<rt::Tensor> &tensors,
                                     const Halide::Target &target) {
  assert(specs.size() == tensors.size() && !specs.empty());
  const std::string name = embeddedWeightsFunctionName(functionName);
  std::vector<Halide::Func> outputs;
  for (size_t i = 0; i < specs.size(); ++i) {
    const std::string argument = lower::halideArgumentName(specs[i].name);
    Halide::Buffer<float> constant = constantBuffer(tensors[i], name + "_" + argument);
    std::vector<Halide::Var> vars;
    for (int d = 0; d < constant.dimensions(); ++d)
      vars.emplace_back("d" + std::to_string(d));
    std::vector<Halide::Expr> at(vars.begin(), vars.end());
    Halide::Func copy(argument);
    copy(vars) = constant(at);
    for (int d = 0; d < constant.dimensions(); ++d)
      copy.bound(vars[d], 0, constant.dim(d).extent());
    // Contiguous copies; the inner loop is as long as the innermost extent.
    if (constant.dim(0).extent() >= 8)
      copy.vectorize(vars[0], 8, Halide::TailStrategy::GuardWithIf);
    copy.output_buffer().dim(0).set_stride(1);
    outputs.push_back(copy);
  }
  return Halide::Pipeline(outputs).compile_to_module({}, name, target);
}

} // namespace cnnc::emit
