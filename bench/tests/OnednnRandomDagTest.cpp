// "Any cnnc graph": the oneDNN baseline runs the seeded random networks of the
// differential test (tests/random, every operator and attribute of SPEC 1 in random
// DAGs) and must agree with the reference evaluator on each, as cnnc's schedules must.
// No JIT is involved, so a few dozen networks take seconds. CNNC_ONEDNN_DAG_COUNT and
// CNNC_ONEDNN_DAG_SEED choose other seeds for a longer soak.
#include "bench/onednn/Network.h"
#include "compiler/eval/Compare.h"
#include "compiler/eval/RandomTensors.h"
#include "compiler/import/BuildGraph.h"
#include "dsl/Parser.h"
#include "tests/random/RandomNetwork.h"

#include <cmath>
#include <cstdlib>
#include <gtest/gtest.h>
#include <memory>
#include <string>

namespace {

using namespace cnnc;

/// A max pooling window entirely in its padding gives -inf (as in PyTorch), and what
/// follows may be inf or NaN: such networks have no agreed answer to compare.
bool allFinite(const eval::TensorMap &tensors) {
  for (const auto &[name, tensor] : tensors)
    for (float value : tensor.data)
      if (!std::isfinite(value))
        return false;
  return true;
}

uint64_t envOr(const char *name, uint64_t fallback) {
  const char *text = std::getenv(name);
  return text && *text ? std::strtoull(text, nullptr, 10) : fallback;
}

TEST(OnednnRandomDags, AgreeWithTheReferenceEvaluator) {
  const uint64_t start = envOr("CNNC_ONEDNN_DAG_SEED", 1);
  const uint64_t count = envOr("CNNC_ONEDNN_DAG_COUNT", 60);
  uint64_t compared = 0;
  for (uint64_t seed = start; seed < start + count; ++seed) {
    const std::string text = test::generateNetwork(seed);
    SCOPED_TRACE("seed " + std::to_string(seed) + ":\n" + text);
    dsl::SourceFile file("random.cnn", text);
    dsl::DiagnosticEngine diags(&file);
    dsl::Module module = dsl::parseModule(file, diags);
    std::optional<ir::Graph> graph = import::buildGraph(module, diags);
    ASSERT_TRUE(graph) << diags.renderAll();
    const eval::TensorMap weights = eval::randomWeights(*graph, seed);
    const eval::TensorMap inputs = eval::randomInputs(*graph, seed + 1);
    rt::Expected<onednn::OnednnNetwork> network =
        onednn::OnednnNetwork::build(*graph, weights, onednn::Layout::Any);
    ASSERT_TRUE(network) << network.error().message;
    network->setInputs(inputs);
    network->run();
    network->run(); // a second run must not depend on what the first left in buffers
    const eval::TensorMap expected = eval::evaluateReference(*graph, weights, inputs);
    if (!allFinite(expected))
      continue;
    ++compared;
    std::optional<std::string> problem = eval::compareOutputs(expected, network->outputs());
    EXPECT_FALSE(problem) << *problem;
  }
  EXPECT_GE(compared, count * 9 / 10) << "too few networks with finite outputs to compare";
}

} // namespace
