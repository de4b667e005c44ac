// The oneDNN baseline's bookkeeping: which memory holds each layer's value, the
// reorders between layouts, the network's NCHW edges, and running the steps.
#include "bench/onednn/Builder.h"
#include "compiler/ir/OpDef.h"

#include <algorithm>
#include <cstring>
#include <oneapi/dnnl/dnnl_debug.h>

namespace cnnc::onednn {

using namespace ir;

memory::dims dimsOf(const Shape &shape) { return memory::dims(shape.begin(), shape.end()); }

memory::desc plainDesc(const Shape &shape) {
  if (shape.size() == 4)
    return memory::desc(dimsOf(shape), memory::data_type::f32, Tag::nchw);
  if (shape.size() == 2)
    return memory::desc(dimsOf(shape), memory::data_type::f32, Tag::nc);
  throw Unsupported("tensors of shape " + formatShape(shape) + " are not supported");
}

std::string layoutName(const memory::desc &desc) {
  // dnnl_debug.h of oneDNN 2.6 has no public name for a whole memory descriptor:
  // compare with the layouts these networks meet.
  const std::pair<Tag, const char *> known[] = {{Tag::nchw, "nchw"},       {Tag::nhwc, "nhwc"},
                                                {Tag::nChw16c, "nChw16c"}, {Tag::nChw8c, "nChw8c"},
                                                {Tag::nChw4c, "nChw4c"},   {Tag::nc, "nc"}};
  const memory::dims dims = desc.dims();
  for (const auto &[tag, name] : known) {
    const bool rankFits = (tag == Tag::nc) == (dims.size() == 2);
    if (rankFits && dims.size() >= 2 && desc == memory::desc(dims, desc.data_type(), tag))
      return name;
  }
  return "other";
}

Builder::Builder(const Graph &graph, const eval::TensorMap &weights, Layout layout,
                 OnednnNetwork::State &state)
    : graph_(graph), weights_(weights), layout_(layout), state_(state), plan_(planGroups(graph)),
      users_(graph.users()), values_(graph.nodes.size()), copies_(graph.nodes.size()) {}

void Builder::build() {
  buildInputs();
  for (const Group &group : plan_.groups)
    buildGroup(group);
  buildOutputs();
  for (const Step &step : state_.steps)
    state_.infos.push_back(step.info);
}

std::string Builder::groupLabel(const Group &group) const {
  std::string label = node(group.anchor).name;
  if (group.batchNorm)
    label += "+" + node(*group.batchNorm).name;
  for (NodeId id : group.postOps)
    label += "+" + node(id).name;
  return label;
}

memory Builder::newMemory(const memory::desc &desc) { return memory(desc, state_.engine); }

memory Builder::valueOf(NodeId id) const {
  if (!values_[id])
    throw std::logic_error("no value for layer '" + node(id).name + "'");
  return values_[id];
}

memory Builder::fetch(NodeId id, const memory::desc &desc) {
  memory value = valueOf(id);
  if (value.get_desc() == desc)
    return value;
  for (const memory &copy : copies_[id])
    if (copy.get_desc() == desc)
      return copy;
  memory copy = newMemory(desc);
  addReorder(node(id).name + " (reorder)", value, copy);
  copies_[id].push_back(copy);
  return copy;
}

void Builder::define(NodeId id, memory value) { values_[id] = std::move(value); }

void Builder::addStep(const std::string &layers, const dnnl::primitive_desc_base &pd,
                      dnnl::primitive primitive, std::unordered_map<int, memory> args) {
  Step step;
  step.info.layers = layers;
  step.info.kind = dnnl_prim_kind2str(dnnl::convert_to_c(pd.get_kind()));
  step.info.implementation = pd.impl_info_str();
  step.info.layouts = layoutName(pd.src_desc()) + " -> " + layoutName(pd.dst_desc());
  step.primitive = std::move(primitive);
  step.args = std::move(args);
  state_.steps.push_back(std::move(step));
}

void Builder::addReorder(const std::string &layers, const memory &from, const memory &to) {
  dnnl::reorder::primitive_desc pd(from, to);
  addStep(layers, pd, dnnl::reorder(pd), {{DNNL_ARG_FROM, from}, {DNNL_ARG_TO, to}});
}

void Builder::reorderNow(memory from, memory to) {
  dnnl::reorder(from, to).execute(state_.stream, from, to);
  state_.stream.wait();
}

size_t Builder::readPosition(NodeId reader) const {
  // A folded pad and a flatten (which aliases its input) are read where their
  // readers run.
  if (plan_.foldedPad[reader] || isOp(node(reader), "flatten")) {
    size_t last = 0;
    for (NodeId user : users_[reader])
      last = std::max(last, readPosition(user));
    return last;
  }
  return plan_.groups[*plan_.groupOf[reader]].tail;
}

bool Builder::canOverwrite(NodeId other, const Group &group, const memory::desc &desc,
                           NodeId source) const {
  const bool isOutput =
      std::find(graph_.outputs.begin(), graph_.outputs.end(), other) != graph_.outputs.end();
  if (node(other).isInput() || isOutput || other == source || valueOf(other).get_desc() != desc)
    return false;
  const NodeId sum = *group.sumNode(graph_);
  for (NodeId reader : users_[other])
    if (reader != sum && readPosition(reader) >= group.tail)
      return false;
  return true;
}

void Builder::buildInputs() {
  for (NodeId id : graph_.inputs) {
    const Node &input = node(id);
    state_.userBuffers.emplace_back(static_cast<size_t>(*elementCount(input.shape)));
    memory user(plainDesc(input.shape), state_.engine, state_.userBuffers.back().data());
    state_.inputs.emplace_back(input.name, user);
    define(id, user);
  }
}

void Builder::buildOutputs() {
  for (NodeId id : graph_.outputs) {
    const Node &output = node(id);
    state_.userBuffers.emplace_back(static_cast<size_t>(*elementCount(output.shape)));
    memory user(plainDesc(output.shape), state_.engine, state_.userBuffers.back().data());
    addReorder(output.name + " (output)", valueOf(id), user);
    state_.outputs.emplace_back(output.name, user);
  }
}

void Builder::buildGroup(const Group &group) {
  const Node &anchor = node(group.anchor);
  if (isOp(anchor, "conv2d"))
    return buildConvolution(group);
  if (isOp(anchor, "linear"))
    return buildLinear(group);
  if (isOp(anchor, "max_pool2d") || isOp(anchor, "avg_pool2d"))
    return buildPool(group);
  if (isOp(anchor, "global_avg_pool2d") || isOp(anchor, "global_max_pool2d"))
    return buildGlobalPool(group);
  if (std::holds_alternative<ActivationAttrs>(anchor.attrs))
    return buildActivation(group);
  if (isOp(anchor, "batch_norm"))
    return buildBatchNorm(group);
  if (isOp(anchor, "add"))
    return buildAdd(group);
  if (isOp(anchor, "concat"))
    return buildConcat(group);
  if (isOp(anchor, "flatten"))
    return buildFlatten(group);
  if (isOp(anchor, "softmax"))
    return buildSoftmax(group);
  if (isOp(anchor, "pad"))
    return buildPad(group);
  throw Unsupported("layer '" + anchor.name + "': operator '" + anchor.op->name +
                    "' has no oneDNN mapping in cnnc_onednn_bench");
}

OnednnNetwork::OnednnNetwork(std::unique_ptr<State> state) : state_(std::move(state)) {}
OnednnNetwork::OnednnNetwork(OnednnNetwork &&) noexcept = default;
OnednnNetwork &OnednnNetwork::operator=(OnednnNetwork &&) noexcept = default;
OnednnNetwork::~OnednnNetwork() = default;

rt::Expected<OnednnNetwork> OnednnNetwork::build(const Graph &graph, const eval::TensorMap &weights,
                                                 Layout layout) {
  auto state = std::make_unique<State>();
  try {
    Builder(graph, weights, layout, *state).build();
  } catch (const Unsupported &error) {
    return rt::Error{error.what()};
  } catch (const dnnl::error &error) {
    return rt::Error{std::string("oneDNN: ") + error.what()};
  }
  return OnednnNetwork(std::move(state));
}

void OnednnNetwork::setInputs(const eval::TensorMap &inputs) {
  for (auto &[name, user] : state_->inputs) {
    const rt::Tensor &tensor = inputs.at(name);
    std::memcpy(user.get_data_handle(), tensor.data.data(), tensor.data.size() * sizeof(float));
  }
}

void OnednnNetwork::run() {
  for (Step &step : state_->steps) {
    if (step.loop) {
      state_->stream.wait();
      step.loop();
      continue;
    }
    step.primitive.execute(state_->stream, step.args);
  }
  state_->stream.wait();
}

eval::TensorMap OnednnNetwork::outputs() const {
  eval::TensorMap result;
  for (const auto &[name, user] : state_->outputs) {
    rt::Tensor tensor = rt::Tensor::zeros(user.get_desc().dims());
    std::memcpy(tensor.data.data(), user.get_data_handle(), tensor.data.size() * sizeof(float));
    result[name] = std::move(tensor);
  }
  return result;
}

const std::vector<StepInfo> &OnednnNetwork::steps() const { return state_->infos; }

} // namespace cnnc::onednn
