// JIT compile and run. Tensors are passed to Halide as non-owning buffers over the
// caller's data, dimensions reversed (Halide is innermost first).
#include "compiler/emit/JitRun.h"

#include "compiler/emit/HostTarget.h"
#include "compiler/lower/LowerToHalide.h"
#include "compiler/schedule/Schedule.h"
#include "runtime/ScratchCache.h"

#include <Halide.h>
#include <atomic>
#include <cstdlib>
#include <optional>

namespace cnnc::emit {

namespace {

std::vector<int> halideSizes(const ir::Shape &shape) {
  return std::vector<int>(shape.rbegin(), shape.rend());
}

Halide::Buffer<float> viewOf(const rt::Tensor &tensor) {
  // Halide's Buffer takes a non-const pointer; the pipeline only reads parameters.
  return Halide::Buffer<float>(const_cast<float *>(tensor.data.data()), halideSizes(tensor.shape));
}

rt::Error halideError(const ir::Graph &graph, const schedule::ScheduleRequest &request,
                      const char *what) {
  // Our schedules failing is our bug; an autoscheduler's schedule failing is the
  // autoscheduler's (Li2018 makes some that read inputs out of bounds).
  if (request.kind == schedule::ScheduleKind::Auto) {
    std::string message = what;
    if (message.rfind("Error: ", 0) == 0)
      message.erase(0, 7);
    while (!message.empty() && (message.back() == '\n' || message.back() == ' '))
      message.pop_back();
    return rt::Error{"the schedule Halide's " + request.autoscheduler +
                     " autoscheduler made for network '" + graph.name + "' failed: " + message +
                     " (another may work: --autoscheduler)"};
  }
  return rt::Error{"internal error: Halide rejected network '" + graph.name + "' under the " +
                   schedule::describe(request) + " schedule: " + what};
}

/// Live and peak bytes of one run's Halide allocations. Atomics: parallel loops
/// allocate per task from every worker thread.
struct MemoryCounter {
  std::atomic<int64_t> liveBytes{0};
  std::atomic<int64_t> peakBytes{0};
  std::atomic<int64_t> allocations{0};

  void add(int64_t bytes) {
    allocations.fetch_add(1, std::memory_order_relaxed);
    int64_t live = liveBytes.fetch_add(bytes, std::memory_order_relaxed) + bytes;
    int64_t peak = peakBytes.load(std::memory_order_relaxed);
    // A failed compare_exchange reloads `peak`; stop once another thread set a higher one.
    while (live > peak && !peakBytes.compare_exchange_weak(peak, live, std::memory_order_relaxed)) {
    }
  }
  void remove(int64_t bytes) { liveBytes.fetch_sub(bytes, std::memory_order_relaxed); }
};

/// The context handed to the pipeline on each run; Halide passes it to the hooks.
struct CountingContext : Halide::JITUserContext {
  MemoryCounter *counter = nullptr;
};

/// Room before each block for its size, and the alignment of what Halide gets. Halide
/// asks for 32-byte alignment; 64 keeps AVX-512 loads within one cache line.
constexpr size_t kHeader = 64;
/// Halide may read a few bytes past either end of a buffer (JITHandlers' contract).
constexpr size_t kTailSlack = 64;

void *alignedAllocate(void *, size_t total) { return std::aligned_alloc(kHeader, total); }
void alignedFree(void *, void *block) { std::free(block); }

/// Blocks come from the runtime's scratch cache (runtime/ScratchCache.h), as a compiled
/// library's runs take them, so cnnc run and bench time what a program linking the
/// library gets, not page faults on memory malloc has just handed back.
void *countingMalloc(Halide::JITUserContext *context, size_t bytes) {
  size_t total = (kHeader + bytes + kTailSlack + kHeader - 1) / kHeader * kHeader;
  auto *block =
      static_cast<char *>(cnnc::rt::detail::cachedAllocate(nullptr, total, alignedAllocate));
  if (!block)
    return nullptr;
  *reinterpret_cast<size_t *>(block) = bytes;
  static_cast<CountingContext *>(context)->counter->add(int64_t(bytes));
  return block + kHeader;
}

void countingFree(Halide::JITUserContext *context, void *pointer) {
  if (!pointer)
    return;
  char *block = static_cast<char *>(pointer) - kHeader;
  static_cast<CountingContext *>(context)->counter->remove(
      int64_t(*reinterpret_cast<size_t *>(block)));
  if (!cnnc::rt::detail::cachedRelease(nullptr, block, alignedFree))
    std::free(block);
}

} // namespace

struct JitNetwork::State {
  const ir::Graph *graph;
  schedule::ScheduleRequest request;
  std::vector<std::string> decisions;
  lower::LoweredNetwork network;
  Halide::Pipeline pipeline;
  std::optional<Halide::Pipeline> prepare;
  std::vector<rt::Tensor> prepared; // prepare's outputs, bound to the network's buffers
  bool weightsBound = false;
  Halide::Target target;
  RunStats lastRun;
};

JitNetwork::JitNetwork(std::unique_ptr<State> state) : state_(std::move(state)) {}
JitNetwork::JitNetwork(JitNetwork &&) noexcept = default;
JitNetwork &JitNetwork::operator=(JitNetwork &&) noexcept = default;
JitNetwork::~JitNetwork() = default;

rt::Expected<JitNetwork> JitNetwork::compile(const ir::Graph &graph,
                                             const schedule::ScheduleRequest &request) {
  try {
    auto state = std::make_unique<State>();
    state->graph = &graph;
    state->request = request;
    state->target = jitTarget();
    state->network =
        lower::lowerToHalide(graph, schedule::lowerOptionsFor(graph, request.kind, state->target));
    state->decisions = schedule::applySchedule(graph, state->network, request, state->target);
    state->pipeline = state->network.pipeline();
    state->pipeline.compile_jit(state->target);
    state->prepare = state->network.preparePipeline();
    if (state->prepare)
      state->prepare->compile_jit(state->target);
    return JitNetwork(std::move(state));
  } catch (const schedule::ScheduleError &error) { // complete, and not Halide's fault
    return rt::Error{error.what()};
  } catch (const Halide::Error &error) {
    return halideError(graph, request, error.what());
  }
}

const std::vector<std::string> &JitNetwork::scheduleDecisions() const { return state_->decisions; }

eval::TensorMap JitNetwork::makeOutputs() const {
  eval::TensorMap outputs;
  for (ir::NodeId id : state_->graph->outputs)
    outputs[state_->graph->nodes[id].name] = rt::Tensor::zeros(state_->graph->nodes[id].shape);
  return outputs;
}

RunStats JitNetwork::lastRunStats() const { return state_->lastRun; }

rt::Status JitNetwork::bindWeights(const eval::TensorMap &weights) {
  lower::LoweredNetwork &network = state_->network;
  try {
    for (size_t k = 0; k < network.weights.size(); ++k)
      network.weights[k].set(viewOf(weights.at(network.weightNames[k])));
    state_->prepared.clear();
    std::vector<Halide::Buffer<>> buffers;
    for (const lower::PreparedWeight &weight : network.prepared) {
      rt::Tensor &tensor = state_->prepared.emplace_back(
          rt::Tensor::zeros(ir::Shape(weight.extents.rbegin(), weight.extents.rend())));
      buffers.push_back(viewOf(tensor));
    }
    if (state_->prepare)
      state_->prepare->realize(Halide::Realization(buffers), state_->target);
    for (size_t k = 0; k < network.prepared.size(); ++k)
      network.prepared[k].buffer.set(buffers[k]);
    state_->weightsBound = true;
    return rt::ok();
  } catch (const Halide::Error &error) {
    return halideError(*state_->graph, state_->request, error.what());
  }
}

rt::Status JitNetwork::run(const eval::TensorMap &inputs, eval::TensorMap &outputs) {
  const ir::Graph &graph = *state_->graph;
  lower::LoweredNetwork &network = state_->network;
  if (!state_->weightsBound)
    return rt::Error{"internal error: network '" + graph.name + "' run before its weights were bound"};
  try {
    for (size_t k = 0; k < graph.inputs.size(); ++k)
      network.inputs[k].set(viewOf(inputs.at(graph.nodes[graph.inputs[k]].name)));
    std::vector<Halide::Buffer<>> buffers;
    for (ir::NodeId id : graph.outputs) {
      rt::Tensor &out = outputs.at(graph.nodes[id].name);
      buffers.push_back(Halide::Buffer<float>(out.data.data(), halideSizes(out.shape)));
    }
    MemoryCounter counter;
    CountingContext context;
    context.counter = &counter;
    context.handlers.custom_malloc = countingMalloc;
    context.handlers.custom_free = countingFree;
    state_->pipeline.realize(&context, Halide::Realization(buffers), state_->target);
    state_->lastRun = RunStats{counter.peakBytes.load(), counter.allocations.load()};
    return rt::ok();
  } catch (const Halide::Error &error) {
    return halideError(graph, state_->request, error.what());
  }
}

rt::Expected<eval::TensorMap> runJit(const ir::Graph &graph,
                                     const schedule::ScheduleRequest &request,
                                     const eval::TensorMap &weights, const eval::TensorMap &inputs,
                                     std::vector<std::string> *decisions) {
  rt::Expected<JitNetwork> compiled = JitNetwork::compile(graph, request);
  if (!compiled)
    return compiled.error();
  if (decisions)
    *decisions = compiled->scheduleDecisions();
  if (rt::Status bound = compiled->bindWeights(weights); !bound)
    return bound.error();
  eval::TensorMap outputs = compiled->makeOutputs();
  if (rt::Status status = compiled->run(inputs, outputs); !status)
    return status.error();
  return outputs;
}

} // namespace cnnc::emit
