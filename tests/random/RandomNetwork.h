// Seeded random networks for the differential test: a generator of small, valid .cnn
// DAGs that touch every operator and attribute of SPEC 1, and deterministic random
// weights and inputs for them. The generator tracks shapes itself (PyTorch's rules), so
// a network that `cnnc check` rejects is a bug in the generator or in the checker.
#pragma once

#include "cnnc/runtime/Expected.h"

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace cnnc::test {

using Shape = std::vector<int64_t>;

/// Knobs of the generator. The defaults generate everything SPEC allows; a switch that
/// turns a feature combination off exists only to step around a known compiler bug, and
/// says so in its name.
struct GeneratorOptions {
  int minLayers = 3;
  int maxLayers = 7;
  /// Largest spatial extent a layer may produce (pads and convolutions can grow).
  int64_t maxSpatial = 18;
  /// Probability of a flatten + linear (+ softmax) head.
  double headProbability = 0.35;

  // Known-bug switches (CNNC_RANDOM_DAG_AVOID, scripts/random-dags.sh): each steers the
  // generator around one minimized compiler bug so that a soak run can look past it.
  // None today: the four the first soak found are fixed, and each is a regression
  // fixture (tests/correctness/fixtures/regress_*).
};

/// Sets the switch named `avoid` (as in the comments above); false if there is none.
bool setAvoidSwitch(GeneratorOptions &options, const std::string &avoid);

/// What a weight's values are drawn from.
enum class WeightKind {
  FanInScaled, // uniform [-1, 1] / sqrt(fanIn): conv and linear weight and bias
  Unit,        // uniform [-1, 1]: batch_norm weight, bias, running_mean
  Variance,    // uniform [0.5, 1.5]: batch_norm running_var (must be positive)
};

struct WeightDecl {
  std::string name; // `<layer>.<weight>`
  Shape shape;
  WeightKind kind = WeightKind::Unit;
  int64_t fanIn = 1;
};

/// A generated network and everything the generator knows about it.
struct RandomNetwork {
  uint64_t seed = 0;
  std::string text; // the .cnn source
  std::vector<std::pair<std::string, Shape>> inputs;
  /// Every tensor (inputs first, then layers in order) with its output shape.
  std::vector<std::pair<std::string, Shape>> shapes;
  std::vector<WeightDecl> weights;
  std::vector<std::string> outputs;
};

/// Generates the network for `seed`; the same seed and options give the same network.
RandomNetwork generateRandomNetwork(uint64_t seed, const GeneratorOptions &options = {});

/// The .cnn text of generateRandomNetwork(seed, options).
std::string generateNetwork(uint64_t seed, const GeneratorOptions &options = {});

/// Writes random weights and inputs for `network` to two safetensors files, determined by
/// the network's seed: weights as WeightKind says, inputs uniform in [-1, 1].
rt::Status writeRandomTensors(const RandomNetwork &network, const std::string &weightsPath,
                              const std::string &inputsPath);

/// Layer name -> output shape, read from `cnnc check` output (the `name op [shape] ...`
/// table). Lines that are not table rows are skipped.
std::map<std::string, Shape> parseCheckShapes(const std::string &checkOutput);

/// "[1, 3, 8, 8]".
std::string formatShape(const Shape &shape);

} // namespace cnnc::test
