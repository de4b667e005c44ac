// The probe's kernels are compiled for AVX2+FMA and AVX-512 with target attributes, so
// this file builds without -mavx2 and picks a kernel when it runs.
#include "compiler/bench/PeakProbe.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <immintrin.h>
#include <thread>

namespace cnnc::bench {

namespace {

/// Independent accumulator chains per thread. An FMA has a latency of 4-5 cycles on
/// current x86 cores and up to 2 issue per cycle, so at least 10 chains are needed to
/// hide the latency; 12 leave a margin and still fit in 16 vector registers.
constexpr int kChains = 12;

// Each chain computes a = a * m + c, which converges to c / (1 - m) = 1 without ever
// producing a denormal or an infinity, however long it runs.
constexpr float kMul = 0.999999f;
constexpr float kAdd = 0.000001f;

using Kernel = float (*)(long iterations);

float scalarKernel(long iterations) {
  float acc[kChains];
  for (int c = 0; c < kChains; ++c)
    acc[c] = 0.5f + 0.01f * float(c);
  for (long i = 0; i < iterations; ++i)
    for (int c = 0; c < kChains; ++c)
      acc[c] = acc[c] * kMul + kAdd;
  float sum = 0;
  for (float value : acc)
    sum += value;
  return sum;
}

// The twelve chains are written out: an array of vectors would be left to the optimizer
// to keep in registers, and one spill would halve the rate.
#define CNNC_FMA_CHAINS(FMA, acc, m, c)                                                            \
  acc##0 = FMA(acc##0, m, c), acc##1 = FMA(acc##1, m, c), acc##2 = FMA(acc##2, m, c),              \
  acc##3 = FMA(acc##3, m, c), acc##4 = FMA(acc##4, m, c), acc##5 = FMA(acc##5, m, c),              \
  acc##6 = FMA(acc##6, m, c), acc##7 = FMA(acc##7, m, c), acc##8 = FMA(acc##8, m, c),              \
  acc##9 = FMA(acc##9, m, c), acc##10 = FMA(acc##10, m, c), acc##11 = FMA(acc##11, m, c)

__attribute__((target("avx2,fma"))) float avx2Kernel(long iterations) {
  const __m256 m = _mm256_set1_ps(kMul), c = _mm256_set1_ps(kAdd);
  __m256 a0 = _mm256_set1_ps(0.50f), a1 = _mm256_set1_ps(0.51f), a2 = _mm256_set1_ps(0.52f),
         a3 = _mm256_set1_ps(0.53f), a4 = _mm256_set1_ps(0.54f), a5 = _mm256_set1_ps(0.55f),
         a6 = _mm256_set1_ps(0.56f), a7 = _mm256_set1_ps(0.57f), a8 = _mm256_set1_ps(0.58f),
         a9 = _mm256_set1_ps(0.59f), a10 = _mm256_set1_ps(0.60f), a11 = _mm256_set1_ps(0.61f);
  for (long i = 0; i < iterations; ++i)
    CNNC_FMA_CHAINS(_mm256_fmadd_ps, a, m, c);
  __m256 sum = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)),
                             _mm256_add_ps(_mm256_add_ps(a4, a5), _mm256_add_ps(a6, a7)));
  sum = _mm256_add_ps(sum, _mm256_add_ps(_mm256_add_ps(a8, a9), _mm256_add_ps(a10, a11)));
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, sum);
  return lanes[0] + lanes[7];
}

__attribute__((target("avx512f"))) float avx512Kernel(long iterations) {
  const __m512 m = _mm512_set1_ps(kMul), c = _mm512_set1_ps(kAdd);
  __m512 a0 = _mm512_set1_ps(0.50f), a1 = _mm512_set1_ps(0.51f), a2 = _mm512_set1_ps(0.52f),
         a3 = _mm512_set1_ps(0.53f), a4 = _mm512_set1_ps(0.54f), a5 = _mm512_set1_ps(0.55f),
         a6 = _mm512_set1_ps(0.56f), a7 = _mm512_set1_ps(0.57f), a8 = _mm512_set1_ps(0.58f),
         a9 = _mm512_set1_ps(0.59f), a10 = _mm512_set1_ps(0.60f), a11 = _mm512_set1_ps(0.61f);
  for (long i = 0; i < iterations; ++i)
    CNNC_FMA_CHAINS(_mm512_fmadd_ps, a, m, c);
  __m512 sum = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3)),
                             _mm512_add_ps(_mm512_add_ps(a4, a5), _mm512_add_ps(a6, a7)));
  sum = _mm512_add_ps(sum, _mm512_add_ps(_mm512_add_ps(a8, a9), _mm512_add_ps(a10, a11)));
  alignas(64) float lanes[16];
  _mm512_store_ps(lanes, sum);
  return lanes[0] + lanes[15];
}

#undef CNNC_FMA_CHAINS

Kernel kernelFor(FmaIsa isa) {
  switch (isa) {
  case FmaIsa::Scalar:
    return scalarKernel;
  case FmaIsa::Avx2:
    return avx2Kernel;
  case FmaIsa::Avx512:
    return avx512Kernel;
  }
  return scalarKernel;
}

double flopsPerIteration(FmaIsa isa) {
  switch (isa) {
  case FmaIsa::Scalar:
    return 2.0 * kChains;
  case FmaIsa::Avx2:
    return 2.0 * kChains * 8;
  case FmaIsa::Avx512:
    return 2.0 * kChains * 16;
  }
  return 2.0 * kChains;
}

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

/// Keeps the kernels' results alive so the optimizer cannot drop the loops.
std::atomic<float> sink{0};

/// Iterations that take one thread about `seconds`, found by doubling a short run.
long calibrate(Kernel kernel, double seconds) {
  long iterations = 1 << 12;
  for (;;) {
    Clock::time_point start = Clock::now();
    sink.store(kernel(iterations), std::memory_order_relaxed);
    double elapsed = secondsSince(start);
    if (elapsed > 0.002 || iterations > (1L << 40))
      return std::max(1L, long(double(iterations) * seconds / std::max(elapsed, 1e-9)));
    iterations *= 2;
  }
}

/// One round: all threads are started, wait at a gate, run `iterations` each, and the
/// wall time from opening the gate to the last join is the round's time.
double runRound(Kernel kernel, int threads, long iterations) {
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> workers;
  workers.reserve(threads);
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      ready.fetch_add(1);
      while (!go.load(std::memory_order_acquire))
        std::this_thread::yield();
      sink.store(kernel(iterations), std::memory_order_relaxed);
    });
  }
  while (ready.load() < threads)
    std::this_thread::yield();
  Clock::time_point start = Clock::now();
  go.store(true, std::memory_order_release);
  for (std::thread &worker : workers)
    worker.join();
  return secondsSince(start);
}

} // namespace

std::string isaName(FmaIsa isa) {
  switch (isa) {
  case FmaIsa::Scalar:
    return "scalar";
  case FmaIsa::Avx2:
    return "avx2";
  case FmaIsa::Avx512:
    return "avx512";
  }
  return "scalar";
}

std::vector<FmaIsa> supportedIsas() {
  __builtin_cpu_init();
  std::vector<FmaIsa> isas = {FmaIsa::Scalar};
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    isas.push_back(FmaIsa::Avx2);
  if (__builtin_cpu_supports("avx512f"))
    isas.push_back(FmaIsa::Avx512);
  return isas;
}

FmaPeak measureFmaPeak(FmaIsa isa, int threads, double seconds) {
  // Short rounds: on a shared machine a 5 ms window with every core free comes up far
  // more often than a 20 ms one.
  constexpr double kRoundSeconds = 0.005;
  threads = std::max(1, threads);
  Kernel kernel = kernelFor(isa);
  const long iterations = calibrate(kernel, kRoundSeconds);
  const double roundFlops = flopsPerIteration(isa) * double(iterations) * threads;
  double best = 0;
  Clock::time_point start = Clock::now();
  // Bounded by wall time, not by a round count: a busy machine stretches every round.
  for (int round = 0; round < 3 || secondsSince(start) < seconds; ++round)
    best = std::max(best, roundFlops / runRound(kernel, threads, iterations));
  return FmaPeak{isa, threads, best / 1e9};
}

MachinePeak measureMachinePeak(int threads, double seconds) {
  // The widest instruction set is the ceiling: wherever AVX-512 runs, its FMA rate is at
  // least AVX2's (double on cores with two 512-bit FMA units, equal on cores that split
  // 512-bit operations in two). Picking it by measurement instead would pick wrong
  // whenever a busy neighbour slowed the wider kernel's rounds.
  const std::vector<FmaIsa> isas = supportedIsas();
  const FmaIsa widest = isas.back();
  MachinePeak peak;
  for (FmaIsa isa : isas) {
    if (isa == FmaIsa::Scalar && isas.size() > 1)
      continue; // slow to measure and never the ceiling
    // The narrower instruction sets are only for the record: a short look.
    FmaPeak one = measureFmaPeak(isa, 1, isa == widest ? seconds * 0.35 : seconds * 0.15);
    peak.oneThreadByIsa.push_back(one);
    if (isa == widest)
      peak.oneThread = one;
  }
  if (threads <= 1) {
    peak.threads = peak.oneThread;
    return peak;
  }
  peak.threads = measureFmaPeak(widest, threads, seconds / 2);
  // Far below N times one thread means other processes held a core in every round:
  // look a little longer for a window with every core free (at most 3 more tries).
  const int cores = std::max(1, std::min(threads, int(std::thread::hardware_concurrency())));
  const double expected = 0.75 * cores * peak.oneThread.gflops;
  for (int retry = 0; retry < 3 && peak.threads.gflops < expected; ++retry) {
    FmaPeak again = measureFmaPeak(widest, threads, seconds / 2);
    if (again.gflops > peak.threads.gflops)
      peak.threads = again;
  }
  return peak;
}

} // namespace cnnc::bench
