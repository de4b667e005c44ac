// `cnnc explain`'s analyses on small networks whose figures are worked out by hand in
// the comments: receptive field size / jump / start, border share, padded-read share,
// idle pixels. The padded-read share is also recounted by a plain 2-D loop over every
// output position and tap, independent of the per-axis factorization explain uses.
#include "compiler/explain/Borders.h"
#include "compiler/explain/Explanation.h"
#include "compiler/explain/Influence.h"
#include "compiler/explain/LayerWindows.h"
#include "compiler/explain/ReceptiveFields.h"
#include "compiler/import/BuildGraph.h"
#include "compiler/ir/OpRegistry.h"
#include "dsl/Parser.h"

#include <gtest/gtest.h>

#include <set>

namespace {

using namespace cnnc;
using explain::LayerExplanation;

class ExplainTest : public testing::Test {
protected:
  void explainSource(const std::string &body) {
    file_ = std::make_unique<dsl::SourceFile>("e.cnn", "network e\n" + body);
    dsl::DiagnosticEngine diags(file_.get());
    dsl::Module module = dsl::parseModule(*file_, diags);
    graph_ = import::buildGraph(module, diags);
    ASSERT_TRUE(graph_) << diags.renderAll();
    explanation_ = explain::explainNetwork(*graph_);
  }
  const LayerExplanation &layer(const std::string &name) const {
    return explanation_.layers[*graph_->find(name)];
  }
  /// Rows then columns: size, jump, start on input k.
  void expectField(const std::string &name, int64_t size, int64_t jump, int64_t start,
                   size_t k = 0) const {
    const explain::InputField &field = layer(name).fields[k];
    ASSERT_TRUE(field.dependsOnInput) << name;
    for (const explain::AxisField &axis : {field.rows, field.cols}) {
      EXPECT_EQ(axis.size, size) << name;
      EXPECT_EQ(axis.jump, jump) << name;
      EXPECT_EQ(axis.start, start) << name;
      EXPECT_TRUE(axis.regular) << name;
    }
  }
  /// Padded reads of `name` by brute force: every (output position, row tap, col tap),
  /// padded when the tap's row or column is outside the operand or is a padding value.
  double bruteForcePaddedReadShare(const std::string &name) const {
    const ir::NodeId id = *graph_->find(name);
    const ir::Node &node = graph_->nodes[id];
    const std::vector<explain::NodeBorder> borders = explain::computeBorders(*graph_);
    double padded = 0, total = 0;
    for (size_t operand = 0; operand < node.operands.size(); ++operand) {
      const ir::NodeId source = node.operands[operand];
      const ir::AxisWindow rows =
          explain::operandWindow(*graph_, node, operand, ir::SpatialAxis::Height);
      const ir::AxisWindow cols =
          explain::operandWindow(*graph_, node, operand, ir::SpatialAxis::Width);
      const int64_t inH = explain::nodeExtent(*graph_, source, ir::SpatialAxis::Height);
      const int64_t inW = explain::nodeExtent(*graph_, source, ir::SpatialAxis::Width);
      const auto &padRows = borders[source].axes[0].isPadding;
      const auto &padCols = borders[source].axes[1].isPadding;
      for (int64_t y = 0; y < explain::nodeExtent(*graph_, id, ir::SpatialAxis::Height); ++y)
        for (int64_t x = 0; x < explain::nodeExtent(*graph_, id, ir::SpatialAxis::Width); ++x)
          for (int64_t ty = 0; ty < rows.kernel; ++ty)
            for (int64_t tx = 0; tx < cols.kernel; ++tx) {
              const int64_t r = ir::windowTap(rows, y, ty), c = ir::windowTap(cols, x, tx);
              const bool rowOut = r < 0 || r >= inH, colOut = c < 0 || c >= inW;
              total += 1;
              padded += rowOut || colOut || padRows[size_t(r)] || padCols[size_t(c)];
            }
    }
    return padded / total;
  }

  std::unique_ptr<dsl::SourceFile> file_;
  std::optional<ir::Graph> graph_;
  explain::NetworkExplanation explanation_;
};

TEST_F(ExplainTest, ConvPoolDilatedConvChain) {
  explainSource("input x: f32[1, 1, 9, 9]\n"
                "c1 = conv2d(x, out_channels=2, kernel_size=3, padding=1)\n"
                "p = max_pool2d(c1, kernel_size=2)\n"
                "c2 = conv2d(p, out_channels=2, kernel_size=3, dilation=2, padding=2)\n"
                "output c2\n");
  expectField("x", 1, 1, 0);
  expectField("c1", 3, 1, -1);
  // pool: 3 + (2-1)*1 = 4, jump 2, start -1.
  expectField("p", 4, 2, -1);
  // dilated: k_eff = 5: 4 + 4*2 = 12, jump 2, start -1 - 2*2 = -5.
  expectField("c2", 12, 2, -5);
  // c1: rows 0 and 8 of 9 read padding.
  EXPECT_EQ(layer("c1").borderPositions, 81 - 7 * 7);
  // p: 9 -> 4 rows reading c1 rows (0,1) .. (6,7): only row 0 reaches padding.
  EXPECT_EQ(layer("p").borderPositions, 16 - 3 * 3);
  // c2: output o reads p rows o-2, o, o+2: every row has one padded tap.
  EXPECT_EQ(layer("c2").borderPositions, 16);
  EXPECT_DOUBLE_EQ(layer("c2").borderShare(), 1.0);
  // Padded taps per axis: 4 of 12 -> 1 - (8/12)^2 = 5/9 of the 2-D reads.
  EXPECT_NEAR(*layer("c2").paddedReadShare, 5.0 / 9.0, 1e-12);
  // c1: 2 of 27 taps per axis.
  EXPECT_NEAR(*layer("c1").paddedReadShare, 1.0 - (25.0 / 27) * (25.0 / 27), 1e-12);
  EXPECT_NEAR(*layer("c1").paddedReadShare, bruteForcePaddedReadShare("c1"), 1e-12);
  EXPECT_NEAR(*layer("c2").paddedReadShare, bruteForcePaddedReadShare("c2"), 1e-12);
  EXPECT_EQ(*layer("p").paddedReadShare, 0.0);
  // The pool drops c1's row 8 and column 8; every input pixel still reaches c1 row 7.
  EXPECT_EQ(layer("c1").idlePositions, 81 - 64);
  EXPECT_EQ(layer("c1").idleRows, 1);
  EXPECT_EQ(layer("c1").idleCols, 1);
  EXPECT_EQ(layer("x").idlePositions, 0);
}

TEST_F(ExplainTest, StridedValidConvDropsTheLastRowAndColumn) {
  // 10 -> floor((10 - 3) / 2) + 1 = 4 outputs reading rows 0..8.
  explainSource("input x: f32[1, 1, 10, 10]\n"
                "c = conv2d(x, out_channels=1, kernel_size=3, stride=2)\noutput c\n");
  expectField("c", 3, 2, 0);
  EXPECT_EQ(layer("c").borderPositions, 0);
  EXPECT_EQ(*layer("c").paddedReadShare, 0.0);
  EXPECT_EQ(layer("x").idlePositions, 100 - 81);
  EXPECT_EQ(layer("x").idleRows, 1);
  EXPECT_EQ(layer("x").idleCols, 1);
}

TEST_F(ExplainTest, ResidualAddTakesTheUnion) {
  explainSource("input x: f32[1, 2, 8, 8]\n"
                "a = conv2d(x, out_channels=2, kernel_size=3, padding=1)\n"
                "b = conv2d(x, out_channels=2, kernel_size=1)\n"
                "s = add(a, b)\noutput s\n");
  expectField("b", 1, 1, 0);
  expectField("s", 3, 1, -1);
  EXPECT_EQ(layer("s").borderPositions, 64 - 36);
  EXPECT_EQ(*layer("s").paddedReadShare, 0.0) << "conv outputs are not padding";
}

TEST_F(ExplainTest, ExplicitPadIsPaddingToTheConvThatReadsIt) {
  // pad 2: 6 -> 10; conv 3x3 valid: 8. Per axis the conv's taps on pad rows 0, 1, 8,
  // 9: o=0 two, o=1 one, o=6 one, o=7 two: 6 of 24.
  explainSource("input x: f32[1, 1, 6, 6]\np = pad(x, 2)\n"
                "c = conv2d(p, out_channels=1, kernel_size=3)\noutput c\n");
  expectField("p", 1, 1, -2);
  expectField("c", 3, 1, -2);
  EXPECT_NEAR(*layer("p").paddedReadShare, 1.0 - (6.0 / 10) * (6.0 / 10), 1e-12);
  EXPECT_NEAR(*layer("c").paddedReadShare, 1.0 - (18.0 / 24) * (18.0 / 24), 1e-12);
  EXPECT_NEAR(*layer("c").paddedReadShare, bruteForcePaddedReadShare("c"), 1e-12);
  EXPECT_EQ(layer("c").borderPositions, 64 - 16);
}

TEST_F(ExplainTest, ValuesComputedFromPaddingAloneArePadding) {
  // pad 3: 4 -> 10; conv 3x3: 8 rows, rows 0 and 7 read only padding; a 1x1 conv after
  // it reads padding in 2 of 8 rows and columns.
  explainSource("input x: f32[1, 1, 4, 4]\np = pad(x, 3)\n"
                "c = conv2d(p, out_channels=1, kernel_size=3)\n"
                "d = conv2d(c, out_channels=1, kernel_size=1)\noutput d\n");
  EXPECT_NEAR(*layer("d").paddedReadShare, 1.0 - (6.0 / 8) * (6.0 / 8), 1e-12);
  EXPECT_NEAR(*layer("d").paddedReadShare, bruteForcePaddedReadShare("d"), 1e-12);
}

TEST_F(ExplainTest, PaddingModeDecidesWhichPixelsAStrideSkips) {
  // 5 rows padded by 1 to 7; a 1x1 stride-2 conv reads padded rows 0, 2, 4, 6, i.e.
  // input rows -1, 1, 3, 5. Zeros: only rows 1 and 3 matter. Circular: -1 and 5 wrap
  // to 4 and 0, so only row 2 never matters.
  explainSource("input x: f32[1, 1, 5, 5]\np = pad(x, 1)\n"
                "c = conv2d(p, out_channels=1, kernel_size=1, stride=2)\noutput c\n");
  EXPECT_EQ(layer("x").idlePositions, 25 - 4);
  EXPECT_EQ(layer("x").idleRows, 3);
  explainSource("input x: f32[1, 1, 5, 5]\np = pad(x, 1, mode=circular)\n"
                "c = conv2d(p, out_channels=1, kernel_size=1, stride=2)\noutput c\n");
  EXPECT_EQ(layer("x").idlePositions, 25 - 16);
  EXPECT_EQ(layer("x").idleRows, 1);
  EXPECT_EQ(layer("x").idleCols, 1);
  // Every output row reads padding (rows 0 and 6) or not (2, 4): half the rows.
  EXPECT_EQ(layer("c").borderPositions, 16 - 4);
}

TEST_F(ExplainTest, ReflectPaddingReachesTheBorderLikeZeros) {
  explainSource("input x: f32[1, 1, 6, 6]\n"
                "c = conv2d(x, out_channels=1, kernel_size=3, padding=1, padding_mode=reflect)\n"
                "d = conv2d(c, out_channels=1, kernel_size=3, padding=1)\noutput d\n");
  expectField("d", 5, 1, -2);
  EXPECT_EQ(layer("c").borderPositions, 36 - 16);
  // d: rows 0, 1, 4, 5 reach padding (its own or c's).
  EXPECT_EQ(layer("d").borderPositions, 36 - 4);
}

TEST_F(ExplainTest, CeilModeOverhangReadsNothing) {
  // 5 -> 3 windows of 2: the last would read rows 4 and 5, but 5 is past the edge and
  // PyTorch clips it: that window's field is row 4 alone.
  explainSource("input x: f32[1, 1, 5, 5]\n"
                "p = max_pool2d(x, kernel_size=2, ceil_mode=true)\noutput p\n");
  const explain::InputField &field = layer("p").fields[0];
  EXPECT_EQ(field.rows.size, 2);
  EXPECT_EQ(field.rows.jump, 2);
  EXPECT_EQ(field.rows.start, 0);
  EXPECT_FALSE(field.rows.regular);
  EXPECT_EQ(layer("p").borderPositions, 0);
  EXPECT_EQ(layer("x").idlePositions, 0);
  // With padding 1 the last window (rows 3, 4, 5 of 5, padEnd 1) reads the padding.
  explainSource("input x: f32[1, 1, 5, 5]\n"
                "p = max_pool2d(x, kernel_size=3, stride=2, padding=1, ceil_mode=true)\n"
                "output p\n");
  expectField("p", 3, 2, -1);
  EXPECT_EQ(layer("p").borderPositions, 9 - 1);
}

TEST_F(ExplainTest, GlobalPoolingAndClassifierSeeEverything) {
  explainSource("input x: f32[1, 1, 6, 6]\n"
                "c = conv2d(x, out_channels=2, kernel_size=3, stride=2, padding=1)\n"
                "g = global_avg_pool2d(c)\nf = flatten(g)\nl = linear(f, out_features=3)\n"
                "output l\n");
  expectField("c", 3, 2, -1);
  // 3 outputs of c cover input rows -1 .. 2*2 - 1 + 2 = 5: 7 rows.
  expectField("g", 7, 6, -1);
  const explain::InputField &field = layer("l").fields[0];
  EXPECT_EQ(field.rows.size, 7);
  EXPECT_EQ(field.rows.start, -1);
  EXPECT_EQ(layer("l").borderPositions, 1);
  EXPECT_EQ(layer("l").positions, 1);
}

TEST_F(ExplainTest, SoftmaxAlongRowsReadsTheWholeColumn) {
  explainSource("input x: f32[1, 1, 4, 6]\ns = softmax(x, dim=2)\noutput s\n");
  const explain::InputField &field = layer("s").fields[0];
  EXPECT_EQ(field.rows.size, 4);
  EXPECT_EQ(field.rows.start, 0);
  EXPECT_EQ(field.rows.jump, 0) << "every row sees the same rows";
  EXPECT_EQ(field.cols.size, 1);
}

TEST_F(ExplainTest, ConcatAlongRowsSplitsTheFieldsBetweenInputs) {
  explainSource("input a: f32[1, 1, 4, 4]\ninput b: f32[1, 1, 4, 4]\n"
                "c = concat(a, b, dim=2)\n"
                "d = conv2d(c, out_channels=1, kernel_size=3, padding=1)\noutput d\n");
  const explain::InputField &onA = layer("d").fields[0];
  const explain::InputField &onB = layer("d").fields[1];
  ASSERT_TRUE(onA.dependsOnInput && onB.dependsOnInput);
  // On a: d rows 0..4 (row 4 reads c row 3); rows 5..7 do not depend on a.
  EXPECT_FALSE(onA.rows.regular);
  EXPECT_EQ(onA.rows.size, 3);
  EXPECT_EQ(onA.rows.start, -1);
  EXPECT_TRUE(onA.cols.regular);
  // On b: d row 3 is the first to read b (c row 4 is b's row 0).
  EXPECT_EQ(onB.rows.start, 0);
  EXPECT_FALSE(onB.rows.regular);
  // Rows: d rows 0 and 7 reach the conv's padding; a's and b's rows never are padding.
  EXPECT_EQ(layer("d").borderPositions, 32 - 6 * 2);
}

TEST_F(ExplainTest, HugeTensorsCountIdlePixelsPerAxis) {
  // 8200^2 + 4099^2 positions are past kExactIdleLimit. The stride-2 valid conv reads
  // rows 0..8198: row 8199 and column 8199 never matter.
  explainSource("input x: f32[1, 1, 8200, 8200]\n"
                "c = conv2d(x, out_channels=1, kernel_size=3, stride=2)\noutput c\n");
  EXPECT_FALSE(layer("x").idleExact);
  EXPECT_EQ(layer("x").idlePositions, 8200 * 8200 - 8199 * 8199);
  EXPECT_EQ(layer("x").idleRows, 1);
  EXPECT_EQ(layer("x").idleCols, 1);
  EXPECT_EQ(layer("c").idlePositions, 0);
}

TEST(ExplainRegistry, OnlyPointwiseOperatorsLackAnAxisWindow) {
  // An operator without axisWindow reads each position at its own coordinates; a new
  // window operator that forgot it would silently get wrong receptive fields.
  const std::set<std::string> pointwise = {"batch_norm", "relu",      "relu6", "sigmoid",
                                           "tanh",       "leaky_relu", "add",   "linear"};
  for (const ir::OpDef &op : ir::OpRegistry::builtin().all())
    EXPECT_EQ(op.axisWindow == nullptr, pointwise.count(op.name) == 1) << op.name;
}

TEST(ReceptiveFieldRecurrence, MatchesTheStandardFormula) {
  ir::ReceptiveField field;
  field = ir::throughWindow(field, ir::slidingWindow(7, 2, 1, 3, 3, ir::PadMode::Constant));
  EXPECT_EQ(field.size, 7);
  EXPECT_EQ(field.jump, 2);
  EXPECT_EQ(field.start, -3);
  field = ir::throughWindow(field, ir::slidingWindow(3, 2, 1, 1, 1, ir::PadMode::Constant));
  EXPECT_EQ(field.size, 11);
  EXPECT_EQ(field.jump, 4);
  EXPECT_EQ(field.start, -5);
  field = ir::throughWindow(field, ir::slidingWindow(3, 1, 2, 2, 2, ir::PadMode::Constant));
  EXPECT_EQ(field.size, 27);
  EXPECT_EQ(field.start, -13);
}

TEST_F(ExplainTest, PerPositionFieldsAgreeWithTheRecurrence) {
  // ResNet's stem: 7x7/2 pad 3, then 3x3/2 pad 1 max pooling.
  explainSource("input x: f32[1, 3, 32, 32]\n"
                "c = conv2d(x, out_channels=4, kernel_size=7, stride=2, padding=3)\n"
                "p = max_pool2d(c, kernel_size=3, stride=2, padding=1)\noutput p\n");
  expectField("c", 7, 2, -3);
  expectField("p", 11, 4, -5);
}

TEST_F(ExplainTest, InfluenceRegionOfOnePosition) {
  explainSource("input x: f32[1, 1, 8, 8]\n"
                "c = conv2d(x, out_channels=1, kernel_size=3, padding=1)\n"
                "p = avg_pool2d(c, kernel_size=2)\noutput p\n");
  auto regions = explain::influenceRegion(*graph_, *graph_->find("p"), 0, 3);
  const auto &onX = *regions[*graph_->find("x")];
  EXPECT_EQ(onX[0].first, -1);
  EXPECT_EQ(onX[0].last, 2);
  EXPECT_EQ(onX[1].first, 5);
  EXPECT_EQ(onX[1].last, 8);
}

} // namespace
