// The register blocks across x of a stage (schedule::tilingFor): two vectors per block
// on AVX-512 where that computes no more pixels than one vector, since a row's last
// block is shifted inwards and recomputes what it overlaps.
#include "compiler/schedule/StageSchedule.h"

#include <gtest/gtest.h>

namespace {

using cnnc::schedule::tilingFor;

const Halide::Target kAvx512("x86-64-linux-avx2-fma-avx512-avx512_skylake");
const Halide::Target kAvx2("x86-64-linux-avx2-fma");

int xVectors(int64_t width, const Halide::Target &target = kAvx512) {
  return tilingFor({1, 16, 8, width}, target, 0).xVectors;
}

TEST(Tiling, RowsOfWholeBlocksOfTwoVectorsTakeTwo) {
  EXPECT_EQ(xVectors(64), 2);
  EXPECT_EQ(xVectors(224), 2);
}

TEST(Tiling, RowsWhoseLastBlockIsMostlyFullTakeTwo) {
  // 56 = 32 + 24: blocks of 32 compute 64 pixels, blocks of 16 compute 64 too.
  EXPECT_EQ(xVectors(56), 2);
  EXPECT_EQ(xVectors(54), 2);
}

TEST(Tiling, RowsWhereTwoVectorsComputeMorePixelsTakeOne) {
  EXPECT_EQ(xVectors(38), 1);  // 64 against 48
  EXPECT_EQ(xVectors(77), 1);  // 96 against 80
  EXPECT_EQ(xVectors(112), 1); // 128 against 112
}

TEST(Tiling, NarrowRowsAndAvx2TakeOne) {
  EXPECT_EQ(xVectors(20), 1);
  EXPECT_EQ(xVectors(64, kAvx2), 1);
  EXPECT_EQ(tilingFor({1, 16, 8, 64}, kAvx512, 0).vector, 16);
}

} // namespace
