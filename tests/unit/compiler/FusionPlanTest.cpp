// The fused schedule's decisions (planFusion) and the batch-norm folding plan, from
// the graph alone: which layers are inlined, which form one stage, which convolutions
// are computed per tile of the pooling that reads them.
#include "compiler/import/BuildGraph.h"
#include "compiler/passes/FoldBatchNorm.h"
#include "compiler/schedule/Fused.h"
#include "dsl/Parser.h"

#include <gtest/gtest.h>

namespace {

using namespace cnnc;

class FusionPlanTest : public testing::Test {
protected:
  void plan(const std::string &body) {
    file_ = std::make_unique<dsl::SourceFile>("p.cnn", "network p\n" + body);
    dsl::DiagnosticEngine diags(file_.get());
    dsl::Module module = dsl::parseModule(*file_, diags);
    graph_ = import::buildGraph(module, diags);
    ASSERT_TRUE(graph_) << diags.renderAll();
    std::vector<bool> folded(graph_->nodes.size());
    std::vector<std::optional<ir::NodeId>> folds = passes::planBatchNormFolds(*graph_);
    for (size_t id = 0; id < folds.size(); ++id)
      folded[id] = folds[id].has_value();
    folds_ = folds;
    plan_ = schedule::planFusion(*graph_, folded);
  }
  ir::NodeId id(const std::string &name) const { return *graph_->find(name); }
  std::optional<ir::NodeId> group(const std::string &name) const {
    return plan_.groupOf[id(name)];
  }

  std::unique_ptr<dsl::SourceFile> file_;
  std::optional<ir::Graph> graph_;
  std::vector<std::optional<ir::NodeId>> folds_;
  schedule::FusionPlan plan_;
};

TEST_F(FusionPlanTest, PadIsNeverStored) {
  plan("input x: f32[1, 3, 8, 8]\np = pad(x, 1, mode=reflect)\nc = conv2d(p, out_channels=4, "
       "kernel_size=3)\noutput c\n");
  EXPECT_TRUE(plan_.inlined[id("p")]);
  EXPECT_EQ(group("c"), id("c"));
}

TEST_F(FusionPlanTest, PadThatIsAnOutputIsStoredAlone) {
  plan("input x: f32[1, 3, 8, 8]\nc = conv2d(x, out_channels=4, kernel_size=3)\np = pad(c, 2)\n"
       "output p\n");
  EXPECT_FALSE(plan_.inlined[id("p")]);
  EXPECT_EQ(group("p"), id("p"));
  EXPECT_EQ(plan_.tailOf[id("c")], id("c")) << "a pad must not join the conv's stage";
}

TEST_F(FusionPlanTest, ConvBatchNormActivationIsOneStage) {
  plan("input x: f32[1, 3, 8, 8]\nc = conv2d(x, out_channels=4, kernel_size=3)\n"
       "b = batch_norm(c)\nr = relu(b)\nm = max_pool2d(r, kernel_size=2)\n"
       "d = conv2d(m, out_channels=4, kernel_size=1)\noutput d\n");
  EXPECT_EQ(folds_[id("b")], id("c"));
  EXPECT_EQ(group("b"), id("c"));
  EXPECT_EQ(group("r"), id("c"));
  EXPECT_EQ(plan_.tailOf[id("c")], id("r"));
  // The pooling computes the conv stage per tile: the conv output is never stored whole.
  EXPECT_EQ(plan_.computedPerTileOf[id("c")], id("m"));
}

TEST_F(FusionPlanTest, ConvChainsIntoAPoolingAreComputedPerTile) {
  // VGG: conv -> conv -> pool. Both convolutions are computed per tile of the pool (the
  // first through an inlined pad), a third one further up is stored (two levels at most).
  plan("input x: f32[1, 3, 16, 16]\nc0 = conv2d(x, out_channels=4, kernel_size=1)\n"
       "c1 = conv2d(c0, out_channels=4, kernel_size=3, padding=1)\nr1 = relu(c1)\n"
       "p = pad(r1, 1, mode=reflect)\nc2 = conv2d(p, out_channels=4, kernel_size=3)\n"
       "r2 = relu(c2)\nm = max_pool2d(r2, kernel_size=2)\noutput m\n");
  EXPECT_EQ(plan_.computedPerTileOf[id("c2")], id("m"));
  EXPECT_EQ(plan_.computedPerTileOf[id("c1")], id("m"));
  EXPECT_FALSE(plan_.computedPerTileOf[id("c0")]) << "at most two levels per host";
}

TEST_F(FusionPlanTest, ProducersUnderANonOverlappingPoolSlideOneLevelUp) {
  // VGG: a 2x2 stride-2 pooling reads disjoint rows, so c2 is computed per pool row;
  // c1 (read by c2's 3x3 window: rows overlap) slides, folded to the 3 + 1 rows that two
  // rows of c2 read.
  plan("input x: f32[1, 3, 16, 16]\nc1 = conv2d(x, out_channels=4, kernel_size=3, padding=1)\n"
       "c2 = conv2d(c1, out_channels=4, kernel_size=3, padding=1)\nr2 = relu(c2)\n"
       "m = max_pool2d(r2, kernel_size=2)\noutput m\n");
  EXPECT_EQ(plan_.tileReaderOf[id("c2")], id("m"));
  EXPECT_EQ(plan_.tileReaderOf[id("c1")], id("c2"));
  EXPECT_EQ(plan_.placement[id("c2")], schedule::TilePlacement::PerRow);
  EXPECT_EQ(plan_.placement[id("c1")], schedule::TilePlacement::Sliding);
  EXPECT_EQ(plan_.foldRows[id("c1")], 4);
}

TEST_F(FusionPlanTest, UnderAPoolingOnlyOneLevelSlides) {
  // ResNet's 3x3 stride-2 pooling overlaps by a row: c2 slides (3 rows, folded to 4) and
  // c1, read by a sliding group, is computed per chunk: a pooling host reads its
  // producers clamped (Halide 14 rejected some pipelines where it did not).
  plan("input x: f32[1, 3, 32, 32]\nc1 = conv2d(x, out_channels=4, kernel_size=3, padding=1)\n"
       "c2 = conv2d(c1, out_channels=4, kernel_size=3, padding=1, dilation=1)\n"
       "m = max_pool2d(c2, kernel_size=3, stride=2, padding=1)\noutput m\n");
  EXPECT_EQ(plan_.placement[id("c2")], schedule::TilePlacement::Sliding);
  EXPECT_EQ(plan_.foldRows[id("c2")], 4);
  EXPECT_EQ(plan_.placement[id("c1")], schedule::TilePlacement::PerChunk);
  EXPECT_TRUE(plan_.unboundedRows[id("c1")]) << "c1 reads only x, through padding";
  EXPECT_FALSE(plan_.unclampedRows[id("c2")]);
  EXPECT_FALSE(plan_.unclampedRows[id("m")]);
}

TEST_F(FusionPlanTest, ReflectPaddingUnderASlidingReaderIsPerChunk) {
  // Under a convolution host: a reflected row is not an affine function of the
  // reader's, so c1 cannot slide under c2 (which slides under c3).
  plan("input x: f32[1, 8, 96, 128]\nc1 = conv2d(x, out_channels=8, kernel_size=3, padding=1)\n"
       "c2 = conv2d(c1, out_channels=8, kernel_size=3, padding=1, padding_mode=reflect)\n"
       "c3 = conv2d(c2, out_channels=8, kernel_size=3, padding=1)\noutput c3\n");
  EXPECT_EQ(plan_.computedPerTileOf[id("c2")], id("c3"));
  EXPECT_EQ(plan_.placement[id("c2")], schedule::TilePlacement::Sliding);
  EXPECT_EQ(plan_.placement[id("c1")], schedule::TilePlacement::PerChunk);
  EXPECT_FALSE(plan_.unclampedRows[id("c2")]);
}

TEST_F(FusionPlanTest, UnderAConvolutionTwoLevelsSlideUnclamped) {
  // The same with zero padding: c1 slides, c2 reads it unclamped, and c3 reads c2
  // unclamped (c1's rows follow c2's, which must follow the host's loop affinely).
  plan("input x: f32[1, 8, 96, 128]\nc1 = conv2d(x, out_channels=8, kernel_size=3, padding=1)\n"
       "c2 = conv2d(c1, out_channels=8, kernel_size=3, padding=1)\n"
       "c3 = conv2d(c2, out_channels=8, kernel_size=3, padding=1)\noutput c3\n");
  EXPECT_EQ(plan_.placement[id("c1")], schedule::TilePlacement::Sliding);
  EXPECT_EQ(plan_.placement[id("c2")], schedule::TilePlacement::Sliding);
  EXPECT_TRUE(plan_.unclampedRows[id("c2")]);
  EXPECT_TRUE(plan_.unclampedRows[id("c3")]);
  // Host row h reads c2's rows h - 1 .. h + 1; c2 computes only the newest, h + 1, which
  // reads c1's h .. h + 2: 3 rows at once, though c2's span reads c1's h - 2 .. h + 2.
  EXPECT_EQ(plan_.foldRows[id("c2")], 3);
  EXPECT_EQ(plan_.foldRows[id("c1")], 3);
}

TEST_F(FusionPlanTest, AConvolutionHostsItsProducerOnTallRows) {
  // ResNet's basic block at 56x56: c2 (Winograd, a pair of rows per iteration, 2 chunks
  // of 28 rows) hosts c1, which slides by a pair from odd rows (host rows 2h, 2h + 1
  // read c1's 2h - 1 .. 2h + 2) and is folded to those 4 rows: they end a pair from an
  // odd row, so aligning adds none.
  plan("input x: f32[1, 64, 56, 56]\n"
       "c1 = conv2d(x, out_channels=64, kernel_size=3, padding=1, bias=false)\nr1 = relu(c1)\n"
       "c2 = conv2d(r1, out_channels=64, kernel_size=3, padding=1, bias=false)\n"
       "a = add(c2, x)\nr2 = relu(a)\noutput r2\n");
  EXPECT_EQ(plan_.computedPerTileOf[id("c1")], id("c2"));
  EXPECT_EQ(plan_.placement[id("c1")], schedule::TilePlacement::Sliding);
  EXPECT_TRUE(plan_.winograd[id("c2")]);
  EXPECT_TRUE(plan_.winograd[id("c1")]);
  EXPECT_EQ(plan_.winogradRowOffset[id("c1")], 1);
  EXPECT_EQ(plan_.foldRows[id("c1")], 4) << "exact under a convolution";
}

TEST_F(FusionPlanTest, AConvolutionHostsNothingWhereTheHaloIsTooLarge) {
  // 16 rows in 2 chunks: c1's halo of 2 rows would be computed for every 8 (25%).
  plan("input x: f32[1, 8, 16, 128]\nc1 = conv2d(x, out_channels=64, kernel_size=3, padding=1)\n"
       "c2 = conv2d(c1, out_channels=8, kernel_size=3, padding=1)\noutput c2\n");
  EXPECT_FALSE(plan_.computedPerTileOf[id("c1")]);
}

TEST_F(FusionPlanTest, AConvolutionHostsNoSmallProducer) {
  // c1's output (16 x 64 x 32 floats, 128 KiB) stays in cache stored: not worth a halo.
  plan("input x: f32[1, 16, 64, 32]\nc1 = conv2d(x, out_channels=16, kernel_size=3, padding=1)\n"
       "c2 = conv2d(c1, out_channels=16, kernel_size=3, padding=1)\noutput c2\n");
  EXPECT_FALSE(plan_.computedPerTileOf[id("c1")]);
}

TEST_F(FusionPlanTest, ADepthwiseConvolutionHostsNothing) {
  // MobileNet-V2's expand -> depthwise: the depthwise loops stay per block of channels.
  plan("input x: f32[1, 24, 56, 56]\ne = conv2d(x, out_channels=144, kernel_size=1)\n"
       "d = conv2d(e, out_channels=144, kernel_size=3, padding=1, groups=144)\noutput d\n");
  EXPECT_FALSE(plan_.computedPerTileOf[id("e")]);
}

TEST_F(FusionPlanTest, AOneByOneProjectionHostsTheInvertedResidualBlock) {
  // MobileNet-V2's block: the 1x1 projection reads one row per row, so the depthwise
  // convolution is computed per row of it and the expansion slides below that (3 rows
  // at once); neither 144-channel tensor is stored.
  plan("input x: f32[1, 24, 56, 56]\ne = conv2d(x, out_channels=144, kernel_size=1)\n"
       "er = relu6(e)\n"
       "d = conv2d(er, out_channels=144, kernel_size=3, padding=1, groups=144)\ndr = relu6(d)\n"
       "p = conv2d(dr, out_channels=24, kernel_size=1)\na = add(p, x)\noutput a\n");
  EXPECT_EQ(plan_.computedPerTileOf[id("d")], id("p"));
  EXPECT_EQ(plan_.placement[id("d")], schedule::TilePlacement::PerRow);
  EXPECT_EQ(plan_.computedPerTileOf[id("e")], id("p"));
  EXPECT_EQ(plan_.placement[id("e")], schedule::TilePlacement::Sliding);
  EXPECT_EQ(plan_.foldRows[id("e")], 3);
}

TEST_F(FusionPlanTest, AOneByOneHostHostsTwoLevels) {
  // Two blocks: the first block's projection would be a third level under the second's,
  // where Halide found the rows below folded too few (torchvision's MobileNet-V2); it is
  // stored and hosts its own block.
  plan("input x: f32[1, 16, 112, 112]\n"
       "e1 = conv2d(x, out_channels=96, kernel_size=1)\n"
       "d1 = conv2d(e1, out_channels=96, kernel_size=3, stride=2, padding=1, groups=96)\n"
       "p1 = conv2d(d1, out_channels=24, kernel_size=1)\n"
       "e2 = conv2d(p1, out_channels=144, kernel_size=1)\n"
       "d2 = conv2d(e2, out_channels=144, kernel_size=3, padding=1, groups=144)\n"
       "p2 = conv2d(d2, out_channels=24, kernel_size=1)\noutput p2\n");
  EXPECT_EQ(plan_.computedPerTileOf[id("d2")], id("p2"));
  EXPECT_EQ(plan_.computedPerTileOf[id("e2")], id("p2"));
  EXPECT_FALSE(plan_.computedPerTileOf[id("p1")]);
  EXPECT_EQ(plan_.computedPerTileOf[id("d1")], id("p1"));
  EXPECT_EQ(plan_.computedPerTileOf[id("e1")], id("p1"));
}

TEST_F(FusionPlanTest, AOneByOneHostLeavesAWinogradConvolutionStored) {
  // ResNet-50's bottleneck: per row of the 1x1 c3, c2 would be asked one new row at a
  // time and lose Winograd's pairs; it stays stored (by Winograd) and hosts c1 itself.
  plan("input x: f32[1, 256, 56, 56]\nc1 = conv2d(x, out_channels=64, kernel_size=1)\n"
       "r1 = relu(c1)\nc2 = conv2d(r1, out_channels=64, kernel_size=3, padding=1)\n"
       "r2 = relu(c2)\nc3 = conv2d(r2, out_channels=256, kernel_size=1)\noutput c3\n");
  EXPECT_FALSE(plan_.computedPerTileOf[id("c2")]);
  EXPECT_TRUE(plan_.winograd[id("c2")]);
  EXPECT_EQ(plan_.computedPerTileOf[id("c1")], id("c2"));
}

TEST_F(FusionPlanTest, APoolingJoinsAConvolutionsRegionOnlyWithItsProducer) {
  // m hosts c1 under the plain rules. Under c2 (7 rows per row, 2 chunks of 32 rows) m
  // would recompute 6 rows of 32 (19%), but c1 below it 8 (25%): m stays a host.
  plan("input x: f32[1, 8, 64, 256]\nc1 = conv2d(x, out_channels=16, kernel_size=3, padding=1)\n"
       "m = max_pool2d(c1, kernel_size=3, stride=1, padding=1)\n"
       "c2 = conv2d(m, out_channels=8, kernel_size=7, padding=3)\noutput c2\n");
  EXPECT_EQ(plan_.computedPerTileOf[id("c1")], id("m"));
  EXPECT_FALSE(plan_.computedPerTileOf[id("m")]);
}

TEST_F(FusionPlanTest, AProducerWithAResidualOperandStaysOutOfAConvolutionsRegion) {
  // b reads x besides its input: under a convolution host it is stored (readsOneTensor).
  plan("input x: f32[1, 64, 56, 56]\n"
       "c1 = conv2d(x, out_channels=64, kernel_size=3, padding=1)\nb = add(c1, x)\n"
       "c2 = conv2d(b, out_channels=64, kernel_size=3, padding=1)\noutput c2\n");
  EXPECT_FALSE(plan_.computedPerTileOf[id("c1")]);
}

TEST_F(FusionPlanTest, AWinogradProducerIsFoldedToWholePairs) {
  // The quickstart's shape: a stride-2 convolution host reads rows 2h - 1 .. 2h + 1 of
  // c1 (3 rows), which Winograd computes in pairs from even rows, so the rows stored at
  // once are 2h - 2 .. 2h + 1: folded to 3, Halide stopped the run ("The fold factor (3)
  // of dimension y ... is too small to store the required region ... (4)").
  plan("input x: f32[1, 32, 64, 64]\n"
       "c1 = conv2d(x, out_channels=64, kernel_size=3, padding=1)\nr1 = relu(c1)\n"
       "d = conv2d(r1, out_channels=64, kernel_size=3, stride=2, padding=1)\noutput d\n");
  EXPECT_EQ(plan_.computedPerTileOf[id("c1")], id("d"));
  EXPECT_EQ(plan_.placement[id("c1")], schedule::TilePlacement::Sliding);
  EXPECT_TRUE(plan_.winograd[id("c1")]);
  EXPECT_EQ(plan_.winogradRowOffset[id("c1")], 0);
  EXPECT_EQ(plan_.foldRows[id("c1")], 4);
}

TEST_F(FusionPlanTest, AWinogradProducerOfASlidingWinogradOneKeepsItsSpansFold) {
  // Random DAG 220001: c1 and c2 slide by Winograd pairs under the Winograd host c4.
  // c2 reads 4 rows of c1 at once, but folded to 4 Halide asked for 6 per iteration of
  // c4; c1 keeps the fold of its span (c4's rows 2h, 2h + 1 read c2's 2h - 1 .. 2h + 2,
  // which read c1's 2h - 2 .. 2h + 3, and one row for the pairs' alignment: 7).
  plan("input x: f32[1, 16, 48, 151]\n"
       "c1 = conv2d(x, out_channels=16, kernel_size=3, padding=1, padding_mode=reflect)\n"
       "c2 = conv2d(c1, out_channels=16, kernel_size=3, padding=1)\n"
       "c4 = conv2d(c2, out_channels=32, kernel_size=3, padding=1)\noutput c4\n");
  for (const char *name : {"c1", "c2"}) {
    EXPECT_EQ(plan_.computedPerTileOf[id(name)], id("c4")) << name;
    EXPECT_EQ(plan_.placement[id(name)], schedule::TilePlacement::Sliding) << name;
    EXPECT_TRUE(plan_.winograd[id(name)]) << name;
  }
  EXPECT_EQ(plan_.foldRows[id("c2")], 4);
  EXPECT_EQ(plan_.foldRows[id("c1")], 7);
}

TEST_F(FusionPlanTest, AWinogradProducerOfAPoolingSlidingInPairsKeepsItsSpansFold) {
  // Random DAG 300172: under the Winograd host c7 (two rows per iteration) the pooling
  // m slides two rows at a time, and the Winograd c2 below it reads 4 rows of it at
  // once; folded to those 4 Halide asked for 6 per iteration of c7 (c7's rows 2h,
  // 2h + 1 read m's 2h - 1 .. 2h + 2, which read c2's 2h - 1 .. 2h + 4).
  plan("input x: f32[1, 16, 47, 150]\n"
       "c1 = conv2d(x, out_channels=16, kernel_size=3, padding=1, bias=false)\n"
       "c2 = conv2d(c1, out_channels=16, kernel_size=3, padding=1)\n"
       "m = max_pool2d(c2, kernel_size=3, stride=1, ceil_mode=true)\n"
       "c7 = conv2d(m, out_channels=16, kernel_size=3, padding=1)\n"
       "t = tanh(c7)\na = add(t, m)\noutput a\n");
  for (const char *name : {"c2", "m"}) {
    EXPECT_EQ(plan_.computedPerTileOf[id(name)], id("c7")) << name;
    EXPECT_EQ(plan_.placement[id(name)], schedule::TilePlacement::Sliding) << name;
  }
  EXPECT_TRUE(plan_.winograd[id("c2")]);
  EXPECT_TRUE(plan_.winograd[id("c7")]);
  EXPECT_GE(plan_.foldRows[id("c2")], 6);
}

TEST_F(FusionPlanTest, ResNetsStemAndFirstBlockShareOneRegion) {
  // pool1 is read by b1_conv1 and by the residual add in the host's group: both in
  // b1_conv2's region, so pool1 joins it, and the stem under pool1 too. The host reads
  // b1_relu1 unclamped, so that pool1 and the stem below slide with it.
  plan("input image: f32[1, 3, 224, 224]\n"
       "conv1 = conv2d(image, out_channels=64, kernel_size=7, stride=2, padding=3, bias=false)\n"
       "relu1 = relu(conv1)\npool1 = max_pool2d(relu1, kernel_size=3, stride=2, padding=1)\n"
       "b1_conv1 = conv2d(pool1, out_channels=64, kernel_size=3, padding=1, bias=false)\n"
       "b1_relu1 = relu(b1_conv1)\n"
       "b1_conv2 = conv2d(b1_relu1, out_channels=64, kernel_size=3, padding=1, bias=false)\n"
       "b1_add = add(b1_conv2, pool1)\nb1_out = relu(b1_add)\noutput b1_out\n");
  for (const char *name : {"conv1", "pool1", "b1_conv1"}) {
    EXPECT_EQ(plan_.computedPerTileOf[id(name)], id("b1_conv2")) << name;
    EXPECT_EQ(plan_.placement[id(name)], schedule::TilePlacement::Sliding) << name;
  }
  EXPECT_TRUE(plan_.unclampedRows[id("b1_conv2")]);
  EXPECT_TRUE(plan_.unclampedRows[id("b1_conv1")]);
  EXPECT_TRUE(plan_.unclampedRows[id("pool1")]);
  // Per iteration b1_conv1 reads pool1's rows 2h - 2 .. 2h + 3 but computes only its
  // newest pair (2h + 1, 2h + 2), reading 2h .. 2h + 3, and the add reads 2h, 2h + 1:
  // 4 rows at once, not 6. pool1's newest pair, rows 2h + 2 and 2h + 3, reads the stem's
  // 4h + 3 .. 4h + 7: 5 rows, not the 13 of pool1's whole span (4h - 5 .. 4h + 7).
  EXPECT_EQ(plan_.foldRows[id("pool1")], 4);
  EXPECT_EQ(plan_.foldRows[id("conv1")], 5);
}

TEST_F(FusionPlanTest, FoldCountsDilatedWindows) {
  // A 3x3 pooling with dilation 3 spans 7 rows: folded to 8.
  plan("input x: f32[1, 3, 32, 32]\nc = conv2d(x, out_channels=4, kernel_size=3, padding=1)\n"
       "m = max_pool2d(c, kernel_size=3, stride=1, dilation=3)\noutput m\n");
  EXPECT_EQ(plan_.placement[id("c")], schedule::TilePlacement::Sliding);
  EXPECT_EQ(plan_.foldRows[id("c")], 8);
}

TEST_F(FusionPlanTest, CircularPaddingStopsTheChain) {
  // Each row of c2 reads the first and the last rows of c1 (and of the pad's input): a
  // chunk would need c1 whole, so c1 is stored; c2 still is computed per tile of m.
  plan("input x: f32[1, 3, 32, 32]\nc1 = conv2d(x, out_channels=4, kernel_size=3, padding=1)\n"
       "c2 = conv2d(c1, out_channels=4, kernel_size=3, padding=1, padding_mode=circular)\n"
       "m = max_pool2d(c2, kernel_size=2)\nq = pad(m, 1, mode=circular)\n"
       "c3 = conv2d(q, out_channels=4, kernel_size=3)\np = max_pool2d(c3, kernel_size=2)\n"
       "output p\n");
  EXPECT_EQ(plan_.computedPerTileOf[id("c2")], id("m"));
  EXPECT_FALSE(plan_.computedPerTileOf[id("c1")]) << "c2 wraps around c1's rows";
  EXPECT_EQ(plan_.computedPerTileOf[id("c3")], id("p"));
  EXPECT_FALSE(plan_.computedPerTileOf[id("m")]) << "c3 reads m through a circular pad";
}

TEST_F(FusionPlanTest, AHostIsStored) {
  // m hosts c; m -> c3 -> p would make m a producer computed per tile of p too, inside
  // which c would have no chunk loops to go to: m stays stored.
  plan("input x: f32[1, 3, 32, 32]\nc = conv2d(x, out_channels=4, kernel_size=3, padding=1)\n"
       "m = max_pool2d(c, kernel_size=3, stride=1, padding=1)\n"
       "c3 = conv2d(m, out_channels=4, kernel_size=3, padding=1)\n"
       "p = avg_pool2d(c3, kernel_size=2)\noutput p\n");
  EXPECT_EQ(plan_.computedPerTileOf[id("c")], id("m"));
  EXPECT_EQ(plan_.computedPerTileOf[id("c3")], id("p"));
  EXPECT_FALSE(plan_.computedPerTileOf[id("m")]);
}

TEST_F(FusionPlanTest, ChainStopsAtASharedTensor) {
  plan("input x: f32[1, 3, 16, 16]\nc1 = conv2d(x, out_channels=4, kernel_size=3, padding=1)\n"
       "c2 = conv2d(c1, out_channels=4, kernel_size=3, padding=1)\n"
       "m = max_pool2d(c2, kernel_size=2)\ng = global_avg_pool2d(c1)\noutput m, g\n");
  EXPECT_EQ(plan_.computedPerTileOf[id("c2")], id("m"));
  EXPECT_FALSE(plan_.computedPerTileOf[id("c1")]) << "c1 has two readers: stored once";
}

TEST_F(FusionPlanTest, ResidualAddJoinsTheSecondConv) {
  plan("input x: f32[1, 4, 8, 8]\nc1 = conv2d(x, out_channels=4, kernel_size=3, padding=1)\n"
       "r1 = relu(c1)\nc2 = conv2d(r1, out_channels=4, kernel_size=3, padding=1)\n"
       "a = add(c2, x)\nr2 = relu(a)\noutput r2\n");
  EXPECT_EQ(group("a"), id("c2"));
  EXPECT_EQ(plan_.tailOf[id("c2")], id("r2"));
  EXPECT_FALSE(plan_.computedPerTileOf[id("c1")]) << "a conv consumer is not tiled";
}

TEST_F(FusionPlanTest, SharedActivationIsStored) {
  plan("input x: f32[1, 4, 8, 8]\nr = relu(x)\na = conv2d(r, out_channels=4, kernel_size=1)\n"
       "b = conv2d(r, out_channels=4, kernel_size=1)\ns = add(a, b)\noutput s\n");
  EXPECT_EQ(group("r"), id("r")) << "two readers: stored once, not recomputed";
  EXPECT_FALSE(plan_.inlined[id("r")]);
}

TEST_F(FusionPlanTest, BatchNormAfterSharedConvIsNotFolded) {
  plan("input x: f32[1, 4, 8, 8]\nc = conv2d(x, out_channels=4, kernel_size=1)\n"
       "b = batch_norm(c)\ns = add(b, c)\noutput s\n");
  EXPECT_FALSE(folds_[id("b")]) << "the unfolded conv output is read by the add";
}

TEST_F(FusionPlanTest, BatchNormAfterOutputConvIsNotFolded) {
  plan("input x: f32[1, 4, 8, 8]\nc = conv2d(x, out_channels=4, kernel_size=1)\n"
       "b = batch_norm(c)\noutput c, b\n");
  EXPECT_FALSE(folds_[id("b")]);
}


// Winograd's F(2x2, 3x3) where a convolution admits it and is computed in whole tile
// rows: stored, or per row of a 2x2 pooling of stride 2 that reads it directly.
TEST_F(FusionPlanTest, WinogradWhereWholeTileRowsAreComputed) {
  plan("input x: f32[1, 16, 16, 16]\n"
       "c1 = conv2d(x, out_channels=32, kernel_size=3, padding=1)\nr1 = relu(c1)\n"
       "c2 = conv2d(r1, out_channels=32, kernel_size=3, padding=1)\nr2 = relu(c2)\n"
       "m = max_pool2d(r2, kernel_size=2)\n"
       "c3 = conv2d(m, out_channels=32, kernel_size=3, padding=1)\nb3 = batch_norm(c3)\n"
       "s = add(b3, m)\noutput s\n");
  EXPECT_TRUE(plan_.winograd[id("c3")]) << "a stored convolution";
  EXPECT_TRUE(plan_.winograd[id("c2")]) << "per row of a 2x2 pooling";
  EXPECT_EQ(plan_.placement[id("c1")], schedule::TilePlacement::Sliding);
  EXPECT_TRUE(plan_.winograd[id("c1")]) << "slides under c2, a pair per row of m";
  EXPECT_EQ(plan_.winogradRowOffset[id("c1")], 1) << "c2's padding of 1: pairs from odd rows";
  EXPECT_FALSE(plan_.winograd[id("m")]);
  EXPECT_EQ(schedule::winogradNodes(*graph_, 16), plan_.winograd);
  EXPECT_TRUE(schedule::winogradNodes(*graph_, 8).empty()) << "AVX-512 only";
}

TEST_F(FusionPlanTest, WinogradPerRowOfAPaddedPoolingTakesTilesFromOddRows) {
  // A 2x2 pooling with a padding of 1 reads rows 2h - 1 and 2h: c2's tiles start on odd
  // rows, so each pooling row asks for one tile row (random DAG 180074 was rejected by
  // Halide when they started on even ones), and c1 slides under c2 by even pairs.
  plan("input x: f32[1, 16, 11, 8]\nc1 = conv2d(x, out_channels=16, kernel_size=3, padding=1)\n"
       "c2 = conv2d(c1, out_channels=16, kernel_size=3, padding=1)\n"
       "m = avg_pool2d(c2, kernel_size=2, padding=1, ceil_mode=true)\noutput m\n");
  EXPECT_EQ(plan_.placement[id("c2")], schedule::TilePlacement::PerRow);
  EXPECT_TRUE(plan_.winograd[id("c2")]);
  EXPECT_EQ(plan_.winogradRowOffset[id("c2")], 1);
  EXPECT_TRUE(plan_.winograd[id("c1")]);
  EXPECT_EQ(plan_.winogradRowOffset[id("c1")], 0);
}

TEST_F(FusionPlanTest, WinogradSlidesUnderOverlappingPoolsOfStride2) {
  // Each row of a 3x3 (or 4x4) stride-2 pooling asks for the next pair of rows; the
  // last row asked for must end a pair; a residual add's reads would be bounded
  // loosely; a stride-1 pooling would ask for one new row per row.
  plan("input x: f32[1, 16, 16, 16]\ninput y: f32[1, 16, 15, 16]\n"
       "c1 = conv2d(x, out_channels=16, kernel_size=3, padding=1)\n"
       "m1 = max_pool2d(c1, kernel_size=3, stride=2, padding=1)\n"
       "c2 = conv2d(x, out_channels=16, kernel_size=3, padding=1)\n"
       "m2 = avg_pool2d(c2, kernel_size=4, stride=2, padding=1)\n"
       "c3 = conv2d(y, out_channels=16, kernel_size=3, padding=1)\n"
       "m3 = max_pool2d(c3, kernel_size=3, stride=2, padding=1)\n"
       "c4 = conv2d(x, out_channels=16, kernel_size=3, padding=1)\ns4 = add(c4, x)\n"
       "m4 = max_pool2d(s4, kernel_size=3, stride=2, padding=1)\n"
       "c5 = conv2d(x, out_channels=16, kernel_size=3, padding=1)\n"
       "m5 = max_pool2d(c5, kernel_size=3, stride=1, padding=1)\n"
       "output m1, m2, m3, m4, m5\n");
  for (const char *conv : {"c1", "c2", "c3", "c4", "c5"}) {
    EXPECT_EQ(plan_.placement[id(conv)], schedule::TilePlacement::Sliding) << conv;
  }
  EXPECT_TRUE(plan_.winograd[id("c1")]);
  EXPECT_EQ(plan_.foldRows[id("c1")], 4) << "3 rows read, aligned to pairs: 4";
  EXPECT_TRUE(plan_.winograd[id("c2")]);
  EXPECT_EQ(plan_.foldRows[id("c2")], 8) << "4 rows read, aligned to pairs: 5";
  EXPECT_FALSE(plan_.winograd[id("c3")]) << "an odd height: the last row asked for is even";
  EXPECT_FALSE(plan_.winograd[id("c4")]) << "a residual add in the group";
  EXPECT_FALSE(plan_.winograd[id("c5")]) << "stride 1";
}

TEST_F(FusionPlanTest, WinogradSlidesUnderAConvolutionComputedPerRowOfAPooling) {
  // seed_pad's second half: c4 computes rows 2r, 2r + 1 per row of a1, reading c3's
  // rows 2r - 1 .. 2r + 2 through p4: the new pair starts on an odd row. Under a 5x5
  // reader with padding 2 it starts on an even one; under a stride-2 reader, or one
  // reading a residual add, not at all.
  plan("input x: f32[1, 16, 32, 32]\n"
       "c3 = conv2d(x, out_channels=16, kernel_size=3, padding=1)\nr3 = relu(c3)\n"
       "p4 = pad(r3, 1)\nc4 = conv2d(p4, out_channels=16, kernel_size=3)\n"
       "a1 = avg_pool2d(c4, kernel_size=2)\n"
       "d3 = conv2d(x, out_channels=16, kernel_size=3, padding=1)\n"
       "d4 = conv2d(d3, out_channels=16, kernel_size=5, padding=2)\n"
       "a2 = max_pool2d(d4, kernel_size=2)\n"
       "e3 = conv2d(x, out_channels=16, kernel_size=3, padding=1)\n"
       "e4 = conv2d(e3, out_channels=16, kernel_size=3, stride=2, padding=1)\n"
       "a3 = max_pool2d(e4, kernel_size=2)\n"
       "f3 = conv2d(x, out_channels=16, kernel_size=3, padding=1)\ns3 = add(f3, x)\n"
       "f4 = conv2d(s3, out_channels=16, kernel_size=3, padding=1)\n"
       "a4 = max_pool2d(f4, kernel_size=2)\noutput a1, a2, a3, a4\n");
  EXPECT_EQ(plan_.tileReaderOf[id("c3")], id("c4"));
  EXPECT_EQ(plan_.placement[id("c3")], schedule::TilePlacement::Sliding);
  EXPECT_TRUE(plan_.winograd[id("c3")]);
  EXPECT_EQ(plan_.winogradRowOffset[id("c3")], 1);
  EXPECT_TRUE(plan_.winograd[id("c4")]);
  EXPECT_EQ(plan_.winogradRowOffset[id("c4")], 0);
  EXPECT_TRUE(plan_.winograd[id("d3")]);
  EXPECT_EQ(plan_.winogradRowOffset[id("d3")], 0);
  EXPECT_FALSE(plan_.winograd[id("e3")]) << "a stride-2 reader asks for 4 new rows per row";
  EXPECT_FALSE(plan_.winograd[id("f3")]) << "a residual add in the group";
  EXPECT_EQ(schedule::planFusion(*graph_).winogradRowOffset, plan_.winogradRowOffset);
}

TEST_F(FusionPlanTest, WinogradOnlyForConvolutionsThatAdmitIt) {
  plan("input x: f32[1, 16, 16, 16]\ninput t: f32[1, 8, 16, 16]\ninput u: f32[1, 16, 15, 16]\n"
       "s2 = conv2d(x, out_channels=16, kernel_size=3, stride=2, padding=1)\n"
       "d2 = conv2d(x, out_channels=16, kernel_size=3, dilation=2, padding=2)\n"
       "k5 = conv2d(x, out_channels=16, kernel_size=5, padding=2)\n"
       "g2 = conv2d(x, out_channels=16, kernel_size=3, padding=1, groups=2)\n"
       "o8 = conv2d(x, out_channels=8, kernel_size=3, padding=1)\n"
       "o40 = conv2d(x, out_channels=40, kernel_size=3, padding=1)\n"
       "i8 = conv2d(t, out_channels=16, kernel_size=3, padding=1)\n"
       "odd = conv2d(u, out_channels=16, kernel_size=3, padding=1)\n"
       "ok = conv2d(x, out_channels=16, kernel_size=3, padding=1, padding_mode=circular)\n"
       "output s2, d2, k5, g2, o8, o40, i8, odd, ok\n");
  for (const char *name : {"s2", "d2", "k5", "g2", "o8", "i8"})
    EXPECT_FALSE(plan_.winograd[id(name)]) << name;
  EXPECT_TRUE(plan_.winograd[id("ok")]);
  EXPECT_TRUE(plan_.winograd[id("o40")]) << "a partial last vector of channels";
  EXPECT_TRUE(plan_.winograd[id("odd")]) << "an odd output computes half a tile past its end";
}

TEST_F(FusionPlanTest, NoWinogradWhenTheTransformedWeightsAreTooMany) {
  // 256 -> 256 channels: 4 MiB transformed, under kWinogradMaxWeightBytes; 512 -> 512:
  // 16 MiB, over it (every row of tiles reads them all).
  plan("input x: f32[1, 256, 14, 14]\n"
       "c1 = conv2d(x, out_channels=256, kernel_size=3, padding=1)\n"
       "c2 = conv2d(c1, out_channels=512, kernel_size=3, padding=1)\n"
       "c3 = conv2d(c2, out_channels=512, kernel_size=3, padding=1)\noutput c3\n");
  EXPECT_TRUE(plan_.winograd[id("c1")]);
  EXPECT_FALSE(plan_.winograd[id("c2")]) << "8 MiB transformed";
  EXPECT_FALSE(plan_.winograd[id("c3")]);
}

TEST_F(FusionPlanTest, ConvolutionsWithManyWeightsAreStoredNotComputedPerTile) {
  // 512 -> 512 channels: 9 MiB of weights, which every host row would read.
  plan("input x: f32[1, 512, 8, 8]\ninput y: f32[1, 32, 8, 8]\n"
       "big = conv2d(x, out_channels=512, kernel_size=3, padding=1)\n"
       "m1 = max_pool2d(big, kernel_size=2)\n"
       "s1 = conv2d(y, out_channels=32, kernel_size=3, padding=1)\n"
       "s2 = conv2d(s1, out_channels=32, kernel_size=3, padding=1)\n"
       "m2 = max_pool2d(s2, kernel_size=2)\noutput m1, m2\n");
  EXPECT_FALSE(plan_.computedPerTileOf[id("big")]);
  EXPECT_EQ(plan_.computedPerTileOf[id("s2")], id("m2"));
  EXPECT_EQ(plan_.computedPerTileOf[id("s1")], id("m2"));
}

TEST_F(FusionPlanTest, NoWinogradWhereAHostRowAsksForOtherThanAWholePair) {
  // A pad between the tail and the pooling shifts the rows by its top; a ceil_mode
  // pooling over an odd height asks for a single last row. Stored or direct instead.
  plan("input x: f32[1, 16, 8, 8]\ninput y: f32[1, 16, 7, 8]\n"
       "c1 = conv2d(x, out_channels=16, kernel_size=3, padding=1)\np = pad(c1, (0, 0, 1, 1))\n"
       "m1 = max_pool2d(p, kernel_size=2)\n"
       "c2 = conv2d(y, out_channels=16, kernel_size=3, padding=1)\ns = add(c2, y)\n"
       "m2 = max_pool2d(s, kernel_size=2, ceil_mode=true)\n"
       "c3 = conv2d(y, out_channels=16, kernel_size=3, padding=1)\n"
       "m3 = max_pool2d(c3, kernel_size=2)\noutput m1, m2, m3\n");
  EXPECT_EQ(plan_.computedPerTileOf[id("c1")], id("m1"));
  EXPECT_FALSE(plan_.winograd[id("c1")]) << "pad between";
  EXPECT_EQ(plan_.computedPerTileOf[id("c2")], id("m2"));
  EXPECT_FALSE(plan_.winograd[id("c2")]) << "ceil_mode overhang";
  EXPECT_TRUE(plan_.winograd[id("c3")]) << "floor mode over an odd height: whole pairs";
}

} // namespace
