// Which convolutions sum over the taps inside their input only (ops/Conv2d.cpp,
// skipsPaddingTaps): zero padding, narrow rows of one register block, and a stage the
// schedule stores alone (lowerOptionsFor). The fixtures conv2d_padding_taps_skipped_*
// check the values against PyTorch.
#include "compiler/import/BuildGraph.h"
#include "compiler/schedule/Schedule.h"
#include "dsl/Parser.h"

#include <gtest/gtest.h>

namespace {

using namespace cnnc;

class PaddingTapsTest : public testing::Test {
protected:
  /// Lowers `body` as `kind` lowers it and says whether `conv` leaves out its padding's taps.
  bool skipped(const std::string &body, const std::string &conv,
               schedule::ScheduleKind kind = schedule::ScheduleKind::Fused) {
    file_ = std::make_unique<dsl::SourceFile>("p.cnn", "network p\n" + body);
    dsl::DiagnosticEngine diags(file_.get());
    dsl::Module module = dsl::parseModule(*file_, diags);
    std::optional<ir::Graph> graph = import::buildGraph(module, diags);
    EXPECT_TRUE(graph) << diags.renderAll();
    if (!graph)
      return false;
    // A target without AVX-512, so that no 3x3 convolution is computed by Winograd's
    // algorithm, which has no taps to leave out.
    const Halide::Target target("x86-64-linux-avx2-fma");
    const lower::LoweredNetwork network =
        lower::lowerToHalide(*graph, schedule::lowerOptionsFor(*graph, kind, target));
    return network.nodeFuncs[*graph->find(conv)].paddingTapsSkipped;
  }

  std::unique_ptr<dsl::SourceFile> file_;
};

/// A network of one convolution `c` of `attrs` over an input of `shape`.
std::string oneConv(const std::string &shape, const std::string &attrs) {
  return "input x: f32[" + shape + "]\nc = conv2d(x, " + attrs + ")\noutput c\n";
}

const char *const kPadded3x3 = "out_channels=32, kernel_size=3, padding=1";

TEST_F(PaddingTapsTest, ANarrowZeroPaddedConvolutionStoredAloneSkipsThem) {
  const std::string body = oneConv("1, 8, 7, 7", kPadded3x3);
  EXPECT_TRUE(skipped(body, "c"));
  EXPECT_TRUE(skipped(body, "c", schedule::ScheduleKind::Unfused));
}

TEST_F(PaddingTapsTest, TheAutoScheduleKeepsThem) {
  // An autoscheduler may vectorize x, where each tap's test would mask every load.
  EXPECT_FALSE(skipped(oneConv("1, 8, 7, 7", kPadded3x3), "c", schedule::ScheduleKind::Auto));
}

TEST_F(PaddingTapsTest, OtherPaddingModesKeepThem) {
  for (const char *mode : {"reflect", "replicate", "circular"})
    EXPECT_FALSE(
        skipped(oneConv("1, 8, 7, 7", std::string(kPadded3x3) + ", padding_mode=" + mode), "c"))
        << mode;
}

TEST_F(PaddingTapsTest, NoPaddingNothingToSkip) {
  EXPECT_FALSE(skipped(oneConv("1, 8, 9, 9", "out_channels=32, kernel_size=3"), "c"));
}

TEST_F(PaddingTapsTest, RowsOfTwoRegisterBlocksKeepThem) {
  // 20 pixels are two chunks of 10 (narrowRowChunk): the tests would not be constants.
  EXPECT_FALSE(skipped(oneConv("1, 8, 5, 20", kPadded3x3), "c"));
}

TEST_F(PaddingTapsTest, ChannelsBlockedAcrossXKeepThem) {
  // 8 channels: blocks of 8 with vectors across x (lower::convChannelBlock).
  EXPECT_FALSE(skipped(oneConv("1, 8, 7, 7", "out_channels=8, kernel_size=3, padding=1"), "c"));
}

TEST_F(PaddingTapsTest, AConvolutionComputedPerRowOfAPoolingKeepsThem) {
  // Computed per tile of the pooling, its rows run with vectors across x; the same
  // layer in the unfused schedule is stored alone.
  const std::string body = "input x: f32[1, 8, 12, 10]\n"
                           "c = conv2d(x, out_channels=64, kernel_size=3, padding=1)\n"
                           "m = max_pool2d(c, kernel_size=2)\noutput m\n";
  EXPECT_FALSE(skipped(body, "c"));
  EXPECT_TRUE(skipped(body, "c", schedule::ScheduleKind::Unfused));
}

} // namespace
