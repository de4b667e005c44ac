// The consumer example: one network compiled twice by cnnc_add_network, run through
// its generated C++ classes. The fused library has its weights compiled in; the
// unfused one reads them from tiny.safetensors. Both must agree.
#include "tiny_fused.hpp"
#include "tiny_unfused.hpp"

#include <cmath>
#include <cstdio>
#include <vector>

using cnnc::nets::tiny_fused;
using cnnc::nets::tiny_unfused;

// Everything a run needs, allocated statically from the header's constants.
static_assert(tiny_fused::kScratchBytes > 0, "the fused schedule has a static scratch bound");
alignas(128) static unsigned char scratch[tiny_fused::kScratchBytes];
static float image[tiny_fused::kImageElements];
static float probsFused[tiny_fused::kProbsElements];
static float probsUnfused[tiny_unfused::kProbsElements];

int main() {
  auto fused = tiny_fused::create(); // embedded weights: no file
  auto unfused = tiny_unfused::fromFile(TINY_WEIGHTS);
  if (!fused || !unfused) {
    std::fprintf(stderr, "%s\n", (!fused ? fused.error() : unfused.error()).message.c_str());
    return 1;
  }
  for (int64_t i = 0; i < tiny_fused::kImageElements; ++i)
    image[i] = static_cast<float>(std::sin(0.1 * static_cast<double>(i)));

  cnnc::rt::ScratchArena arena(scratch, sizeof scratch);
  cnnc::rt::Status ran = fused->run(image, probsFused, arena);
  if (ran)
    ran = unfused->run(image, probsUnfused);
  if (!ran) {
    std::fprintf(stderr, "%s\n", ran.error().message.c_str());
    return 1;
  }
  double worst = 0, sum = 0;
  std::printf("probs:");
  for (int64_t i = 0; i < tiny_fused::kProbsElements; ++i) {
    std::printf(" %.4f", probsFused[i]);
    worst = std::fmax(worst, std::fabs(probsFused[i] - probsUnfused[i]));
    sum += probsFused[i];
  }
  std::printf("\nfused (embedded weights, %zu of %lld scratch bytes used) and unfused "
              "(weights from file) agree to %.1e\n",
              arena.highWater(), static_cast<long long>(tiny_fused::kScratchBytes), worst);
  return worst <= 1e-5 && std::fabs(sum - 1) < 1e-4 ? 0 : 1;
}
