// JIT compile and run. Tensors are passed to Halide as non-owning buffers over the
// caller's data, dimensions reversed (Halide is innermost first).
#include "compiler/emit/JitRun.h"

#include "compiler/lower/LowerToHalide.h"
#include "compiler/schedule/Schedule.h"

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

rt::Error halideError(const ir::Graph &graph, schedule::ScheduleKind kind, const char *what) {
  return rt::Error{"internal error: Halide rejected network '" + graph.name + "' under the " +
                   schedule::scheduleName(kind) + " schedule: " + what};
}

} // namespace

struct JitNetwork::State {
  const ir::Graph *graph;
  schedule::ScheduleKind kind;
  lower::LoweredNetwork network;
  Halide::Pipeline pipeline;
  Halide::Target target;
};

JitNetwork::JitNetwork(std::unique_ptr<State> state) : state_(std::move(state)) {}
JitNetwork::JitNetwork(JitNetwork &&) noexcept = default;
JitNetwork &JitNetwork::operator=(JitNetwork &&) noexcept = default;
JitNetwork::~JitNetwork() = default;

rt::Expected<JitNetwork> JitNetwork::compile(const ir::Graph &graph, schedule::ScheduleKind kind) {
  try {
    auto state = std::make_unique<State>();
    state->graph = &graph;
    state->kind = kind;
    state->target = Halide::get_jit_target_from_environment();
    state->network = lower::lowerToHalide(graph, schedule::lowerOptionsFor(kind));
    schedule::applySchedule(graph, state->network, kind, state->target);
    state->pipeline = state->network.pipeline();
    state->pipeline.compile_jit(state->target);
    return JitNetwork(std::move(state));
  } catch (const Halide::Error &error) {
    return halideError(graph, kind, error.what());
  }
}

eval::TensorMap JitNetwork::makeOutputs() const {
  eval::TensorMap outputs;
  for (ir::NodeId id : state_->graph->outputs)
    outputs[state_->graph->nodes[id].name] = rt::Tensor::zeros(state_->graph->nodes[id].shape);
  return outputs;
}

rt::Status JitNetwork::run(const eval::TensorMap &weights, const eval::TensorMap &inputs,
                           eval::TensorMap &outputs) {
  const ir::Graph &graph = *state_->graph;
  lower::LoweredNetwork &network = state_->network;
  try {
    for (size_t k = 0; k < graph.inputs.size(); ++k)
      network.inputs[k].set(viewOf(inputs.at(graph.nodes[graph.inputs[k]].name)));
    for (size_t k = 0; k < network.weights.size(); ++k)
      network.weights[k].set(viewOf(weights.at(network.weightNames[k])));
    std::vector<Halide::Buffer<>> buffers;
    for (ir::NodeId id : graph.outputs) {
      rt::Tensor &out = outputs.at(graph.nodes[id].name);
      buffers.push_back(Halide::Buffer<float>(out.data.data(), halideSizes(out.shape)));
    }
    state_->pipeline.realize(Halide::Realization(buffers), state_->target);
    return rt::ok();
  } catch (const Halide::Error &error) {
    return halideError(graph, state_->kind, error.what());
  }
}

rt::Expected<eval::TensorMap> runJit(const ir::Graph &graph, schedule::ScheduleKind kind,
                                     const eval::TensorMap &weights,
                                     const eval::TensorMap &inputs) {
  rt::Expected<JitNetwork> compiled = JitNetwork::compile(graph, kind);
  if (!compiled)
    return compiled.error();
  eval::TensorMap outputs = compiled->makeOutputs();
  rt::Status status = compiled->run(weights, inputs, outputs);
  if (!status)
    return status.error();
  return outputs;
}

} // namespace cnnc::emit
