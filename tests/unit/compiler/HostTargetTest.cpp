// The host target cnnc compiles for claims no feature this CPU lacks (HostTarget.h).
#include "compiler/emit/HostTarget.h"

#include <gtest/gtest.h>

namespace {

using cnnc::emit::cpuHasAvxVnni;
using cnnc::emit::hostTarget;
using cnnc::emit::withoutMissingHostFeatures;

TEST(HostTarget, ClaimsSapphireRapidsOnlyWithAvxVnni) {
  // On AMD's Zen 4 Halide 14's own host target has avx512_sapphirerapids; code compiled
  // for it stopped with SIGILL there.
  EXPECT_EQ(hostTarget().has_feature(Halide::Target::AVX512_SapphireRapids), cpuHasAvxVnni())
      << hostTarget().to_string();
}

TEST(HostTarget, KeepsTheAvx512FeaturesBelowSapphireRapids) {
  const Halide::Target full("x86-64-linux-avx-avx2-avx512-avx512_cannonlake-"
                            "avx512_sapphirerapids-avx512_skylake-f16c-fma-sse41");
  const Halide::Target put = withoutMissingHostFeatures(full);
  EXPECT_EQ(put.has_feature(Halide::Target::AVX512_SapphireRapids), cpuHasAvxVnni());
  for (Halide::Target::Feature feature :
       {Halide::Target::AVX512, Halide::Target::AVX512_Skylake, Halide::Target::AVX512_Cannonlake,
        Halide::Target::AVX2, Halide::Target::FMA})
    EXPECT_TRUE(put.has_feature(feature)) << put.to_string();
}

TEST(HostTarget, LeavesOtherTargetsAlone) {
  const Halide::Target avx2("x86-64-linux-avx-avx2-f16c-fma-sse41");
  EXPECT_EQ(withoutMissingHostFeatures(avx2), avx2);
  const Halide::Target arm("arm-64-linux");
  EXPECT_EQ(withoutMissingHostFeatures(arm), arm);
}

} // namespace
