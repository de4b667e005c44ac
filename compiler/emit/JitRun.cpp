// JIT compile and run. Tensors are passed to Halide as non-owning buffers over the
// caller's data, dimensions reversed (Halide is innermost first).
#include "compiler/emit/JitRun.h"

#include "compiler/lower/LowerToHalide.h"

#include <Halide.h>

namespace cnnc::emit {

namespace {

std::vector<int> halideSizes(const ir::Shape &shape) {
  return std::vector<int>(shape.rbegin(), shape.rend());
}

Halide::Buffer<float> viewOf(const rt::Tensor &tensor) {
  // Halide's Buffer takes a non-const pointer; the pipeline only reads parameters.
  return Halide::Buffer<float>(const_cast<float *>(tensor.data.data()), halideSizes(tensor.shape));
}

eval::TensorMap realize(const ir::Graph &graph, lower::LoweredNetwork &network,
                        const eval::TensorMap &weights, const eval::TensorMap &inputs,
                        const Halide::Target &target) {
  for (size_t k = 0; k < graph.inputs.size(); ++k)
    network.inputs[k].set(viewOf(inputs.at(graph.nodes[graph.inputs[k]].name)));
  for (size_t k = 0; k < network.weights.size(); ++k)
    network.weights[k].set(viewOf(weights.at(network.weightNames[k])));
  eval::TensorMap outputs;
  std::vector<Halide::Buffer<>> buffers;
  for (ir::NodeId id : graph.outputs) {
    rt::Tensor &out = outputs[graph.nodes[id].name];
    out = rt::Tensor::zeros(graph.nodes[id].shape);
    buffers.push_back(Halide::Buffer<float>(out.data.data(), halideSizes(out.shape)));
  }
  Halide::Pipeline pipeline = network.pipeline();
  pipeline.compile_jit(target);
  pipeline.realize(Halide::Realization(buffers), target);
  return outputs;
}

} // namespace

rt::Expected<eval::TensorMap> runJit(const ir::Graph &graph, schedule::ScheduleKind kind,
                                     const eval::TensorMap &weights,
                                     const eval::TensorMap &inputs) {
  try {
    const Halide::Target target = Halide::get_jit_target_from_environment();
    lower::LoweredNetwork network = lower::lowerToHalide(graph, schedule::lowerOptionsFor(kind));
    schedule::applySchedule(graph, network, kind, target);
    return realize(graph, network, weights, inputs, target);
  } catch (const Halide::Error &error) {
    return rt::Error{"internal error: Halide rejected network '" + graph.name + "' under the " +
                     schedule::scheduleName(kind) + " schedule: " + error.what()};
  }
}

} // namespace cnnc::emit
