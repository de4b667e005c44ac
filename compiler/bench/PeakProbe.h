// A small FP32 fused multiply-add probe: how many FLOP/s this machine can reach on one
// thread and on N, the ceiling that `cnnc bench` reports each schedule against.
#pragma once

#include <string>
#include <vector>

namespace cnnc::bench {

/// The instruction sets the probe has a kernel for, widest last.
enum class FmaIsa { Scalar, Avx2, Avx512 };

std::string isaName(FmaIsa isa);
/// The instruction sets this CPU runs, asked at run time (`__builtin_cpu_supports`).
std::vector<FmaIsa> supportedIsas();

struct FmaPeak {
  FmaIsa isa = FmaIsa::Scalar;
  int threads = 1;
  double gflops = 0; // the best round: the machine's ceiling, not its typical rate
};

/// Runs `threads` std::threads, each with enough independent FMA chains to keep every
/// FMA port busy, in rounds of about 5 ms for about `seconds` in all, and returns the
/// best round's aggregate rate (a multiply-add counts 2). On a shared machine a busy
/// neighbour lowers a round; the best round is the closest to what the cores can do.
FmaPeak measureFmaPeak(FmaIsa isa, int threads, double seconds);

/// The ceiling `cnnc bench` divides by: the widest instruction set this CPU runs, on
/// one thread and on `threads`.
struct MachinePeak {
  std::vector<FmaPeak> oneThreadByIsa; // each vector instruction set this CPU runs
  FmaPeak oneThread;                   // the widest of them
  FmaPeak threads;                     // it, on the requested thread count
};

/// Takes about `seconds` (0.2 by default keeps `cnnc bench` quick), up to twice that
/// when other processes keep the N-thread rate far below N times the one-thread rate.
MachinePeak measureMachinePeak(int threads, double seconds = 0.2);

} // namespace cnnc::bench
