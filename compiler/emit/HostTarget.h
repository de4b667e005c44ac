// The Halide target of the machine cnnc runs on ("host"), with what Halide 14 gets
// wrong about some CPUs put right.
#pragma once

#include <Halide.h>

namespace cnnc::emit {

/// Whether this CPU executes AVX-VNNI, the VEX-encoded dot products (CPUID leaf 7,
/// subleaf 1, EAX bit 4). False off x86.
bool cpuHasAvxVnni();

/// `target` without the features a "host" target claims and this CPU lacks. Halide 14
/// takes any CPU with AVX512-BF16 for a Sapphire Rapids (avx512_sapphirerapids), which
/// has AVX-VNNI too; AMD's Zen 4 has the first and not the second, and the code LLVM
/// then emits stops with an illegal instruction (`{vex} vpdpwssd` in a concatenation's
/// index arithmetic: torchvision's SqueezeNet). Without that feature the target keeps
/// avx512_cannonlake, everything cnnc's float32 code uses. Only for a target that
/// names the host: a target asked for by name is the user's to choose.
Halide::Target withoutMissingHostFeatures(Halide::Target target);

/// Halide::get_host_target(), put right as above.
Halide::Target hostTarget();

/// The JIT target: HL_JIT_TARGET if set (put right where it names the host), else
/// hostTarget().
Halide::Target jitTarget();

} // namespace cnnc::emit
