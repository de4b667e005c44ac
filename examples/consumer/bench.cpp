// Fused against unfused in a user's own build, with Google Benchmark: both libraries
// of tiny.cnn link into this one program beside one Halide runtime.
#include "tiny_fused.hpp"
#include "tiny_unfused.hpp"

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <vector>

namespace {

template <class Net> void runNetwork(benchmark::State &state, cnnc::rt::Expected<Net> net) {
  if (!net) {
    state.SkipWithError(net.error().message.c_str());
    return;
  }
  std::vector<float> image(Net::kImageElements, 0.5f), probs(Net::kProbsElements);
  for (auto _ : state) {
    cnnc::rt::Status ran = net->run(image.data(), probs.data());
    if (!ran) {
      state.SkipWithError(ran.error().message.c_str());
      return;
    }
    benchmark::DoNotOptimize(probs.data());
  }
}

void fused(benchmark::State &state) {
  runNetwork(state, cnnc::nets::tiny_fused::create());
}
void unfused(benchmark::State &state) {
  runNetwork(state, cnnc::nets::tiny_unfused::fromFile(TINY_WEIGHTS));
}

} // namespace

BENCHMARK(fused)->Unit(benchmark::kMicrosecond);
BENCHMARK(unfused)->Unit(benchmark::kMicrosecond);
BENCHMARK_MAIN();
