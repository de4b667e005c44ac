// A checked cnnc graph executed with oneDNN primitives, built the way a practitioner
// would build it (see Plan.h for what is fused): the baseline cnnc's schedules are
// measured against. Weights are prepared once (folded, reordered to the primitives'
// layouts); a run covers everything from the NCHW inputs to the NCHW outputs,
// including the reorders at those edges.
#pragma once

#include "cnnc/runtime/Expected.h"
#include "compiler/eval/Reference.h"
#include "compiler/ir/Graph.h"

#include <memory>
#include <string>
#include <vector>

namespace cnnc::onednn {

/// The activation layout requested from convolutions: `Any` lets oneDNN choose
/// (format_tag::any, what a practitioner writes); `Nhwc` forces channels-last.
enum class Layout { Any, Nhwc };

/// One step of a run, for `--verbose`: the layers it computes, the primitive kind and
/// oneDNN's implementation name, and the layouts it reads and writes.
struct StepInfo {
  std::string layers;
  std::string kind;
  std::string implementation;
  std::string layouts;
};

class OnednnNetwork {
public:
  /// Builds every primitive and prepares the weights. An operator or attribute with no
  /// oneDNN mapping is an Error naming the layer.
  static rt::Expected<OnednnNetwork> build(const ir::Graph &graph, const eval::TensorMap &weights,
                                           Layout layout);

  OnednnNetwork(OnednnNetwork &&) noexcept;
  OnednnNetwork &operator=(OnednnNetwork &&) noexcept;
  ~OnednnNetwork();

  /// Copies the network's inputs (NCHW, by name) into the buffers runs read.
  void setInputs(const eval::TensorMap &inputs);
  /// One forward pass: input reorders, every primitive, output reorders.
  void run();
  /// The outputs of the last run, NCHW, by name.
  eval::TensorMap outputs() const;
  const std::vector<StepInfo> &steps() const;

  struct State;

private:
  explicit OnednnNetwork(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

} // namespace cnnc::onednn
