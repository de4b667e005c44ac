// How a convolution's output channels are blocked (lower::convChannelBlock): vectors
// across 16 output channels where vectors across x would be partly empty and the
// reduction repays the copy out, otherwise blocks of channels with vectors across x.
#include "compiler/lower/LowerHelpers.h"

#include <gtest/gtest.h>

namespace {

using cnnc::lower::convChannelBlock;
using cnnc::lower::kChannelVectorBlock;
using cnnc::lower::kMinChannelVectorReduction;

/// The weights' bytes of a dense convolution of `reduction` multiply-adds per output.
int64_t weightBytes(int64_t outChannels, int64_t reduction) { return 4 * outChannels * reduction; }

TEST(ChannelBlock, NarrowRowsTakeChannelVectorsWhateverTheReduction) {
  for (int64_t reduction : {int64_t(8), int64_t(576)})
    EXPECT_EQ(convChannelBlock(64, 7, 1, reduction, weightBytes(64, reduction)),
              kChannelVectorBlock)
        << reduction;
}

TEST(ChannelBlock, WideRowsTakeChannelVectorsForDeepReductionsOnly) {
  // 56-pixel rows: blocks of 32 pixels across x would compute 8 past the row's end.
  EXPECT_EQ(convChannelBlock(64, 56, 1, 576, weightBytes(64, 576)), kChannelVectorBlock);
  EXPECT_EQ(convChannelBlock(64, 56, 1, kMinChannelVectorReduction,
                             weightBytes(64, kMinChannelVectorReduction)),
            kChannelVectorBlock);
  // MobileNet-V2's expansion, 24 -> 144 channels: vectors across x.
  EXPECT_EQ(convChannelBlock(144, 56, 1, 24, weightBytes(144, 24)), 8);
  EXPECT_EQ(convChannelBlock(64, 56, 1, kMinChannelVectorReduction - 1,
                             weightBytes(64, kMinChannelVectorReduction - 1)),
            8);
}

TEST(ChannelBlock, RowsOfWholeBlocksOfPixelsTakeVectorsAcrossX) {
  EXPECT_EQ(convChannelBlock(64, 64, 1, 576, weightBytes(64, 576)), 8);
}

TEST(ChannelBlock, WeightsPastTheCacheShareTakeVectorsAcrossX) {
  const int64_t reduction = 9 * 512;
  EXPECT_GT(weightBytes(512, reduction), cnnc::lower::kCachedWeightBytes);
  EXPECT_EQ(convChannelBlock(512, 56, 1, reduction, weightBytes(512, reduction)), 8);
}

TEST(ChannelBlock, GroupedConvolutionsBlockAcrossX) {
  EXPECT_EQ(convChannelBlock(144, 56, 144, 9, weightBytes(144, 9)), 8);
  EXPECT_EQ(convChannelBlock(6, 56, 6, 9, weightBytes(6, 9)), 2);
}

} // namespace
