// The quickstart program: one network compiled at build time under two schedules
// (cnnc_add_network in CMakeLists.txt), linked with nothing but cnnc's runtime. It
// binds the same random weights to both, runs both on the same input, checks that
// they agree and prints their run times side by side.
#include "cnnc/runtime/Threads.h"
#include "quickstart_fused.hpp"
#include "quickstart_unfused.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

namespace {

using cnnc::rt::Tensor;

/// Weights uniform in +-1/sqrt(fan-in), running variances in [0.5, 1.5].
std::map<std::string, Tensor> randomWeights(const cnnc::rt::NetworkSignature &signature) {
  std::mt19937 rng(7);
  std::map<std::string, Tensor> weights;
  for (const cnnc::rt::TensorSpec &spec : signature.weights) {
    Tensor tensor = Tensor::zeros(spec.shape);
    int64_t fanIn = 1;
    for (size_t d = 1; d < spec.shape.size(); ++d)
      fanIn *= spec.shape[d];
    const bool variance = spec.name.find("running_var") != std::string::npos;
    const float scale = 1.0f / std::sqrt(static_cast<float>(fanIn));
    std::uniform_real_distribution<float> dist(variance ? 0.5f : -scale, variance ? 1.5f : scale);
    for (float &v : tensor.data)
      v = dist(rng);
    weights[spec.name] = std::move(tensor);
  }
  return weights;
}

struct Timing {
  double medianMs, minMs;
};

/// Runs `net` until at least 20 runs and 1 s have passed; the median is what a
/// noisy, shared machine can reproduce.
template <class Net> Timing timeRuns(const Net &net, const float *image, float *probs) {
  std::vector<double> ms;
  const auto start = std::chrono::steady_clock::now();
  while (ms.size() < 20 || std::chrono::steady_clock::now() - start < std::chrono::seconds(1)) {
    const auto t0 = std::chrono::steady_clock::now();
    cnnc::rt::Status status = net.run(image, probs);
    if (!status) {
      std::fprintf(stderr, "run failed: %s\n", status.error().message.c_str());
      std::exit(1);
    }
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  return {ms[ms.size() / 2], ms.front()};
}

template <class Net> Net bind(const std::map<std::string, Tensor> &weights) {
  cnnc::rt::Expected<Net> net = Net::fromTensors(weights);
  if (!net) {
    std::fprintf(stderr, "%s\n", net.error().message.c_str());
    std::exit(1);
  }
  return std::move(*net);
}

} // namespace

int main() {
  using Fused = cnnc::nets::quickstart_fused;
  using Unfused = cnnc::nets::quickstart_unfused;
  const int threads = std::getenv("HL_NUM_THREADS") ? std::atoi(std::getenv("HL_NUM_THREADS")) : 0;
  cnnc::rt::setThreadCount(threads);

  const std::map<std::string, Tensor> weights = randomWeights(Fused::signature());
  const Fused fused = bind<Fused>(weights);
  const Unfused unfused = bind<Unfused>(weights);

  std::vector<float> image(Fused::kImageElements);
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> pixel(-1.0f, 1.0f);
  for (float &v : image)
    v = pixel(rng);
  std::vector<float> fusedProbs(Fused::kProbsElements), unfusedProbs(Unfused::kProbsElements);

  const Timing fusedTime = timeRuns(fused, image.data(), fusedProbs.data());
  const Timing unfusedTime = timeRuns(unfused, image.data(), unfusedProbs.data());

  double maxDiff = 0.0;
  for (size_t i = 0; i < fusedProbs.size(); ++i)
    maxDiff = std::max(maxDiff, std::fabs(double(fusedProbs[i]) - unfusedProbs[i]));
  std::printf("network quickstart: input image [1, 3, 128, 128] -> output probs [1, 10]\n");
  std::printf("probs (fused):");
  for (float p : fusedProbs)
    std::printf(" %.4f", p);
  std::printf("\n\n%-10s %10s %10s\n", "schedule", "median ms", "min ms");
  std::printf("%-10s %10.3f %10.3f\n", "fused", fusedTime.medianMs, fusedTime.minMs);
  std::printf("%-10s %10.3f %10.3f\n", "unfused", unfusedTime.medianMs, unfusedTime.minMs);
  std::printf("\nfused / unfused speed-up: %.2fx (medians); outputs agree to %.1e\n",
              unfusedTime.medianMs / fusedTime.medianMs, maxDiff);
  // SPEC: all schedules compute the same function.
  return maxDiff <= 1e-5 ? 0 : 1;
}
