// Deterministic random tensors.
#include "compiler/eval/RandomTensors.h"

#include <cmath>
#include <random>

namespace cnnc::eval {

using namespace ir;

namespace {
rt::Tensor uniform(const Shape &shape, float low, float high, std::mt19937_64 &rng) {
  rt::Tensor tensor = rt::Tensor::zeros(shape);
  std::uniform_real_distribution<float> dist(low, high);
  for (float &v : tensor.data)
    v = dist(rng);
  return tensor;
}
} // namespace

TensorMap randomWeights(const Graph &graph, uint64_t seed) {
  std::mt19937_64 rng(seed);
  TensorMap weights;
  for (const NamedWeight &weight : graphWeights(graph)) {
    const Shape &shape = weight.spec.shape;
    if (weight.spec.positive) {
      weights[weight.name] = uniform(shape, 0.5f, 1.5f, rng);
      continue;
    }
    int64_t fanIn = 1;
    for (size_t d = 1; d < shape.size(); ++d)
      fanIn *= shape[d];
    const float scale = 1.0f / std::sqrt(static_cast<float>(fanIn));
    weights[weight.name] = uniform(shape, -scale, scale, rng);
  }
  return weights;
}

TensorMap randomInputs(const Graph &graph, uint64_t seed) {
  std::mt19937_64 rng(seed ^ 0x9e3779b97f4a7c15ull);
  TensorMap inputs;
  for (NodeId id : graph.inputs)
    inputs[graph.nodes[id].name] = uniform(graph.nodes[id].shape, -1.0f, 1.0f, rng);
  return inputs;
}

} // namespace cnnc::eval
