// Internal to the oneDNN baseline: the state a run touches and the builder that fills
// it. Network.cpp holds the memory bookkeeping, Layers.cpp one function per kind of
// primitive.
#pragma once

#include "bench/onednn/Network.h"
#include "bench/onednn/Plan.h"

#include <functional>
#include <oneapi/dnnl/dnnl.hpp>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace cnnc::onednn {

using dnnl::memory;
using Tag = memory::format_tag;

/// A layer oneDNN cannot express as asked; becomes the Error of OnednnNetwork::build.
struct Unsupported : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// One step of a run: a primitive with its arguments, or a loop of our own.
struct Step {
  StepInfo info;
  dnnl::primitive primitive;
  std::unordered_map<int, memory> args;
  std::function<void()> loop; // set instead of `primitive` for the padding copy
};

struct OnednnNetwork::State {
  dnnl::engine engine{dnnl::engine::kind::cpu, 0};
  dnnl::stream stream{engine};
  std::vector<Step> steps;
  std::vector<std::vector<float>> userBuffers; // NCHW inputs and outputs
  std::vector<std::pair<std::string, memory>> inputs;
  std::vector<std::pair<std::string, memory>> outputs;
  std::vector<StepInfo> infos;
};

class Builder {
public:
  Builder(const ir::Graph &graph, const eval::TensorMap &weights, Layout layout,
          OnednnNetwork::State &state);

  /// Throws Unsupported or dnnl::error.
  void build();

private:
  // Network.cpp: values and their layouts.
  const ir::Node &node(ir::NodeId id) const { return graph_.nodes[id]; }
  std::string groupLabel(const Group &group) const;
  memory newMemory(const memory::desc &desc);
  /// The value of a layer in whatever layout its producer wrote.
  memory valueOf(ir::NodeId id) const;
  /// The value of a layer in layout `desc`: the value itself, or a copy made by a
  /// reorder step (added the first time it is asked for, then reused).
  memory fetch(ir::NodeId id, const memory::desc &desc);
  void define(ir::NodeId id, memory value);
  void addStep(const std::string &layers, const dnnl::primitive_desc_base &pd,
               dnnl::primitive primitive, std::unordered_map<int, memory> args);
  void addReorder(const std::string &layers, const memory &from, const memory &to);
  /// Runs a reorder now, at build time (weights).
  void reorderNow(memory from, memory to);
  /// Whether the sum post-op of `group` may write into `other`'s buffer: no later step
  /// reads it, it is not an input or output, and it already has the layout `desc`.
  bool canOverwrite(ir::NodeId other, const Group &group, const memory::desc &desc,
                    ir::NodeId source) const;
  size_t readPosition(ir::NodeId reader) const;
  void buildInputs();
  void buildOutputs();
  void buildGroup(const Group &group);

  // Layers.cpp: one function per kind of primitive.
  void buildConvolution(const Group &group);
  void buildLinear(const Group &group);
  /// The weights, bias and post-ops of a conv2d or linear group (batch_norm folded).
  struct Prepared {
    std::vector<float> weights;
    std::vector<float> bias;
    dnnl::primitive_attr attr;
  };
  Prepared prepareWeighted(const Group &group, bool hasBias);
  /// Runs the weighted primitive and its sum post-op's copy; defines the group's value.
  void finishWeighted(const Group &group, const dnnl::primitive_desc &pd, dnnl::primitive primitive,
                      std::unordered_map<int, memory> args, ir::NodeId source);
  void buildPool(const Group &group);
  void buildGlobalPool(const Group &group);
  void buildActivation(const Group &group);
  void buildBatchNorm(const Group &group);
  void buildAdd(const Group &group);
  void buildConcat(const Group &group);
  void buildFlatten(const Group &group);
  void buildSoftmax(const Group &group);
  void buildPad(const Group &group);
  /// A padded copy of `source`'s value; the result is in the same layout family.
  memory padded(ir::NodeId source, const std::string &label, const ir::Pad4 &padding,
                ir::PadMode mode, float value);

  const ir::Graph &graph_;
  const eval::TensorMap &weights_;
  Layout layout_;
  OnednnNetwork::State &state_;
  Plan plan_;
  std::vector<std::vector<ir::NodeId>> users_;
  std::vector<memory> values_;
  /// Copies of a value in other layouts, made by reorder steps.
  std::vector<std::vector<memory>> copies_;
};

/// dims of a cnnc shape.
memory::dims dimsOf(const ir::Shape &shape);
/// The plain (NCHW or NC) layout of a shape.
memory::desc plainDesc(const ir::Shape &shape);
/// A short description of a layout, e.g. "acdb" (NHWC) or "aBcd16b".
std::string layoutName(const memory::desc &desc);

} // namespace cnnc::onednn
