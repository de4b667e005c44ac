// The shared window arithmetic: output extents, `same` padding, padded indices and
// average-pooling divisors, each against values PyTorch produces.
#include "compiler/ir/WindowGeometry.h"

#include <gtest/gtest.h>

namespace {

using namespace cnnc::ir;

TEST(WindowOutputExtent, FloorAndCeil) {
  EXPECT_EQ(windowOutputExtent(7, 2, 2, 0, 0, 1, false), 3);
  EXPECT_EQ(windowOutputExtent(7, 2, 2, 0, 0, 1, true), 4);
  // ceil_mode must not add a window that starts in the end padding.
  EXPECT_EQ(windowOutputExtent(5, 2, 2, 1, 1, 1, true), 3);
  EXPECT_EQ(windowOutputExtent(3, 5, 1, 0, 0, 1, false), 0);
  EXPECT_EQ(windowOutputExtent(9, 3, 1, 0, 0, 2, false), 5);
}

TEST(SamePadding, OddPixelAtTheEnd) {
  EXPECT_EQ(samePadding(3, 1).begin, 1);
  EXPECT_EQ(samePadding(3, 1).end, 1);
  EXPECT_EQ(samePadding(4, 1).begin, 1);
  EXPECT_EQ(samePadding(4, 1).end, 2);
  EXPECT_EQ(samePadding(3, 3).begin, 3);
  EXPECT_EQ(samePadding(3, 3).end, 3);
}

TEST(PaddedSourceIndex, MatchesTorchPadModes) {
  // F.pad(arange(4), (3, 3)) for each mode, read at -3..6.
  const int64_t reflect[] = {3, 2, 1, 0, 1, 2, 3, 2, 1, 0};
  const int64_t replicate[] = {0, 0, 0, 0, 1, 2, 3, 3, 3, 3};
  const int64_t circular[] = {1, 2, 3, 0, 1, 2, 3, 0, 1, 2};
  for (int64_t i = -3; i <= 6; ++i) {
    EXPECT_EQ(paddedSourceIndex(PadMode::Reflect, i, 4), reflect[i + 3]) << i;
    EXPECT_EQ(paddedSourceIndex(PadMode::Replicate, i, 4), replicate[i + 3]) << i;
    EXPECT_EQ(paddedSourceIndex(PadMode::Circular, i, 4), circular[i + 3]) << i;
  }
  EXPECT_FALSE(paddedSourceIndex(PadMode::Constant, -1, 4).has_value());
  EXPECT_EQ(paddedSourceIndex(PadMode::Constant, 2, 4), 2);
}

TEST(AveragePoolTaps, ClippedToPaddedOrRealInput) {
  // in=5, k=3, pad=1: the first window covers [-1, 2).
  EXPECT_EQ(averagePoolTaps(-1, 3, 5, 1, true), 3);
  EXPECT_EQ(averagePoolTaps(-1, 3, 5, 1, false), 2);
  // A ceil_mode window hanging past the padded input divides by less.
  EXPECT_EQ(averagePoolTaps(4, 3, 5, 1, true), 2);
  EXPECT_EQ(averagePoolTaps(4, 3, 5, 1, false), 1);
}

} // namespace
