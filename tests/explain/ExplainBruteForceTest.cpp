// explain's figures checked by brute force on the reference evaluator, on networks of
// linear layers (convolutions, average pooling, add, concat, constant pads) with
// random weights, where a changed input always changes what depends on it:
//  - receptive fields: perturb one input pixel at a time and see which output
//    positions change; a position whose field stays inside the input must depend on
//    pixels spanning exactly its field; one whose field reaches padding on pixels
//    within it (its virtual coordinates continue the edge positions' fields by the
//    jump, so they can overlap real pixels that a stride or a ceil_mode window skips);
//  - idle pixels: the pixels whose perturbation changes no output;
//  - border shares: change the value every pad writes and see which positions of every
//    layer change: exactly those whose field reaches padding; and change one padded
//    value at a time: each changes border positions only, and together all of them.
#include "compiler/eval/RandomTensors.h"
#include "compiler/eval/Reference.h"
#include "compiler/explain/Borders.h"
#include "compiler/explain/Explanation.h"
#include "compiler/explain/Influence.h"
#include "compiler/explain/ReceptiveFields.h"
#include "compiler/import/BuildGraph.h"
#include "compiler/ir/OpDef.h"
#include "compiler/ir/RefTensor.h"
#include "dsl/Parser.h"

#include <gtest/gtest.h>

namespace {

using namespace cnnc;

struct BruteForceCase {
  const char *name;
  const char *source; // after `network n`
  /// Reflected, replicated or wrapped padding reads pixels far from the virtual
  /// coordinates: fields are not comparable with the pixels that matter.
  bool copiesPixels = false;
};

const BruteForceCase kCases[] = {
    {"PadConvPoolAsymmetricPadDilation",
     "input x: f32[1, 2, 9, 9]\np1 = pad(x, 1)\nc1 = conv2d(p1, out_channels=3, kernel_size=3)\n"
     "a1 = avg_pool2d(c1, kernel_size=2)\np2 = pad(a1, (2, 0, 1, 1))\n"
     "c2 = conv2d(p2, out_channels=2, kernel_size=3, dilation=(1, 2))\noutput c2\n"},
    {"StridedResidualAndConcat",
     "input x: f32[1, 2, 10, 10]\np = pad(x, 1)\n"
     "a = conv2d(p, out_channels=2, kernel_size=3, stride=2)\n"
     "b = conv2d(x, out_channels=2, kernel_size=2, stride=2)\ns = add(a, b)\nq = pad(s, 1)\n"
     "m = conv2d(q, out_channels=2, kernel_size=3)\nk = concat(m, s, dim=1)\noutput k\n"},
    {"CeilModeAverageAndValidStride",
     "input x: f32[1, 1, 11, 8]\nc = conv2d(x, out_channels=2, kernel_size=3, stride=2)\n"
     "a = avg_pool2d(c, kernel_size=2, ceil_mode=true)\np = pad(a, (0, 1, 1, 0), value=0.5)\n"
     "d = conv2d(p, out_channels=1, kernel_size=2)\noutput d\n"},
    {"DilatedStridedInterior",
     "input x: f32[1, 2, 17, 17]\np = pad(x, 1)\n"
     "c1 = conv2d(p, out_channels=2, kernel_size=3, dilation=2)\n"
     "a = avg_pool2d(c1, kernel_size=3, stride=2)\nc2 = conv2d(a, out_channels=2, kernel_size=3)\n"
     "output c2\n"},
    {"CircularPadSkippedByStride",
     "input x: f32[1, 1, 7, 7]\np = pad(x, 1, mode=circular)\n"
     "c = conv2d(p, out_channels=1, kernel_size=1, stride=3)\noutput c\n",
     /*copiesPixels=*/true},
    {"ConcatAlongRows",
     "input x: f32[1, 1, 4, 5]\nc = conv2d(x, out_channels=1, kernel_size=(3, 1))\n"
     "j = concat(x, c, dim=2)\np = pad(j, 1)\nd = conv2d(p, out_channels=1, kernel_size=3, "
     "stride=2)\noutput d\n"},
};

class BruteForce : public testing::TestWithParam<BruteForceCase> {
protected:
  void SetUp() override {
    file_ =
        std::make_unique<dsl::SourceFile>("n.cnn", std::string("network n\n") + GetParam().source);
    dsl::DiagnosticEngine diags(file_.get());
    dsl::Module module = dsl::parseModule(*file_, diags);
    graph_ = import::buildGraph(module, diags);
    ASSERT_TRUE(graph_) << diags.renderAll();
    weights_ = eval::randomWeights(*graph_, 7);
    inputs_ = eval::randomInputs(*graph_, 11);
  }

  const rt::Tensor &input() { return inputs_.begin()->second; }
  ir::NodeId inputNode() const { return graph_->inputs[0]; }
  ir::NodeId outputNode() const { return graph_->outputs[0]; }

  /// Output positions (y * W + x) that differ in any channel.
  static std::vector<char> changedPositions(const rt::Tensor &a, const rt::Tensor &b) {
    const int64_t channels = a.shape[1], height = a.shape[2], width = a.shape[3];
    std::vector<char> changed(size_t(height * width));
    for (int64_t c = 0; c < channels; ++c)
      for (int64_t p = 0; p < height * width; ++p)
        changed[size_t(p)] |=
            a.data[size_t(c * height * width + p)] != b.data[size_t(c * height * width + p)];
    return changed;
  }

  /// For every input pixel, the output positions that change when it does.
  std::vector<std::vector<char>> perturbEachPixel() {
    const rt::Tensor base = eval::evaluateReference(*graph_, weights_, inputs_).begin()->second;
    const int64_t channels = input().shape[1], height = input().shape[2], width = input().shape[3];
    std::vector<std::vector<char>> effects;
    for (int64_t p = 0; p < height * width; ++p) {
      eval::TensorMap perturbed = inputs_;
      for (int64_t c = 0; c < channels; ++c)
        perturbed.begin()->second.data[size_t(c * height * width + p)] += 1.0f;
      effects.push_back(changedPositions(
          base, eval::evaluateReference(*graph_, weights_, perturbed).begin()->second));
    }
    return effects;
  }

  std::unique_ptr<dsl::SourceFile> file_;
  std::optional<ir::Graph> graph_;
  eval::TensorMap weights_, inputs_;
};

TEST_P(BruteForce, IdlePixelsChangeNothing) {
  const std::vector<std::vector<char>> effects = perturbEachPixel();
  const std::vector<char> marks = explain::influentialPositions(*graph_)[inputNode()];
  ASSERT_EQ(marks.size(), effects.size());
  for (size_t p = 0; p < effects.size(); ++p) {
    const bool changesSomething =
        std::any_of(effects[p].begin(), effects[p].end(), [](char c) { return c; });
    EXPECT_EQ(bool(marks[p]), changesSomething) << "input pixel " << p;
  }
}

TEST_P(BruteForce, FieldsSpanThePixelsThatMatter) {
  if (GetParam().copiesPixels)
    GTEST_SKIP() << "padding copies pixels from elsewhere";
  const std::vector<std::vector<char>> effects = perturbEachPixel();
  const std::vector<explain::NodeBorder> borders = explain::computeBorders(*graph_);
  const explain::NodeBorder &border = borders[outputNode()];
  size_t exact = 0;
  const explain::FieldTable fields = explain::computeReceptiveFields(*graph_);
  const auto &rows = fields[outputNode()][0][0].spans;
  const auto &cols = fields[outputNode()][0][1].spans;
  const int64_t inHeight = input().shape[2], inWidth = input().shape[3];
  for (size_t y = 0; y < rows.size(); ++y)
    for (size_t x = 0; x < cols.size(); ++x) {
      // The pixels whose change reaches (y, x), as a row hull and a column hull.
      int64_t top = inHeight, bottom = -1, left = inWidth, right = -1;
      for (int64_t p = 0; p < inHeight * inWidth; ++p)
        if (effects[size_t(p)][y * cols.size() + x]) {
          top = std::min(top, p / inWidth), bottom = std::max(bottom, p / inWidth);
          left = std::min(left, p % inWidth), right = std::max(right, p % inWidth);
        }
      if (bottom < 0) {
        EXPECT_TRUE(!rows[y] || !cols[x]) << "(" << y << ", " << x << ") depends on nothing";
        continue;
      }
      ASSERT_TRUE(rows[y] && cols[x]) << "(" << y << ", " << x << ")";
      EXPECT_LE(rows[y]->first, top) << "row " << y;
      EXPECT_GE(rows[y]->last, bottom) << "row " << y;
      EXPECT_LE(cols[x]->first, left) << "col " << x;
      EXPECT_GE(cols[x]->last, right) << "col " << x;
      if (border.axes[0].reachesPadding[y] || border.axes[1].reachesPadding[x])
        continue;
      ++exact;
      EXPECT_EQ(top, rows[y]->first) << "row " << y;
      EXPECT_EQ(bottom, rows[y]->last) << "row " << y;
      EXPECT_EQ(left, cols[x]->first) << "col " << x;
      EXPECT_EQ(right, cols[x]->last) << "col " << x;
    }
  RecordProperty("positions_compared_exactly", int(exact));
}

TEST_P(BruteForce, BorderPositionsAreThoseThePadValueChanges) {
  // Every layer becomes an output, so every layer's positions can be compared.
  ir::Graph everything = *graph_;
  everything.outputs.clear();
  for (ir::NodeId id = 0; id < everything.nodes.size(); ++id)
    if (!everything.nodes[id].isInput())
      everything.outputs.push_back(id);
  const explain::NetworkExplanation explanation = explain::explainNetwork(everything);
  const std::vector<explain::NodeBorder> borders = explain::computeBorders(everything);
  const eval::TensorMap base = eval::evaluateReference(everything, weights_, inputs_);
  ir::Graph shifted = everything;
  bool anyConstantPad = false;
  for (ir::Node &node : shifted.nodes)
    if (ir::PadAttrs *pad = std::get_if<ir::PadAttrs>(&node.attrs);
        pad && pad->mode == ir::PadMode::Constant) {
      pad->value += 1.0;
      anyConstantPad = true;
    }
  if (!anyConstantPad)
    GTEST_SKIP() << "no constant pad to change";
  const eval::TensorMap moved = eval::evaluateReference(shifted, weights_, inputs_);
  for (ir::NodeId id : everything.outputs) {
    const ir::Node &node = everything.nodes[id];
    const std::vector<char> changed = changedPositions(base.at(node.name), moved.at(node.name));
    const auto &rowFlags = borders[id].axes[0].reachesPadding;
    const auto &colFlags = borders[id].axes[1].reachesPadding;
    for (size_t y = 0; y < rowFlags.size(); ++y)
      for (size_t x = 0; x < colFlags.size(); ++x)
        EXPECT_EQ(bool(changed[y * colFlags.size() + x]), rowFlags[y] || colFlags[x])
            << node.name << " (" << y << ", " << x << ")";
    EXPECT_EQ(std::count(changed.begin(), changed.end(), 1), explanation.layers[id].borderPositions)
        << node.name;
  }
}

/// One padded value to change while evaluating: position (y, x) of `node`, every channel.
struct Poke {
  ir::NodeId node;
  int64_t y, x;
};

/// The reference evaluation node by node (as eval::evaluateReference does it), keeping
/// every tensor, with `poke` applied to its node's output before anything reads it.
std::vector<ir::RefTensor> evaluateAll(const ir::Graph &graph, const eval::TensorMap &weights,
                                       const eval::TensorMap &inputs, std::optional<Poke> poke) {
  auto toDouble = [](const rt::Tensor &tensor) {
    ir::RefTensor result(tensor.shape);
    std::copy(tensor.data.begin(), tensor.data.end(), result.data.begin());
    return result;
  };
  std::vector<ir::RefTensor> values(graph.nodes.size());
  for (ir::NodeId id = 0; id < graph.nodes.size(); ++id) {
    const ir::Node &node = graph.nodes[id];
    if (node.isInput()) {
      values[id] = toDouble(inputs.at(node.name));
      continue;
    }
    std::vector<ir::RefTensor> layerWeights;
    if (node.op->weights)
      for (const ir::WeightSpec &spec : node.op->weights(node, ir::operandShapes(graph, node)))
        layerWeights.push_back(toDouble(weights.at(node.name + "." + spec.suffix)));
    std::vector<const ir::RefTensor *> operands, weightPtrs;
    for (ir::NodeId operand : node.operands)
      operands.push_back(&values[operand]);
    for (const ir::RefTensor &weight : layerWeights)
      weightPtrs.push_back(&weight);
    values[id] = ir::RefTensor(node.shape);
    node.op->reference({node, operands, weightPtrs, values[id]});
    if (poke && poke->node == id)
      for (int64_t c = 0; c < node.shape[1]; ++c)
        values[id].at(0, c, poke->y, poke->x) += 1.0;
  }
  return values;
}

std::vector<char> changedRefPositions(const ir::RefTensor &a, const ir::RefTensor &b) {
  const int64_t channels = a.shape[1], height = a.shape[2], width = a.shape[3];
  std::vector<char> changed(size_t(height * width));
  for (int64_t c = 0; c < channels; ++c)
    for (int64_t p = 0; p < height * width; ++p)
      changed[size_t(p)] |=
          a.data[size_t(c * height * width + p)] != b.data[size_t(c * height * width + p)];
  return changed;
}

TEST_P(BruteForce, EachPaddedValueReachesBorderPositionsOnly) {
  if (GetParam().copiesPixels)
    GTEST_SKIP() << "reflected, replicated or wrapped padding is not a value of its own";
  const std::vector<explain::NodeBorder> borders = explain::computeBorders(*graph_);
  const std::vector<ir::RefTensor> base = evaluateAll(*graph_, weights_, inputs_, std::nullopt);
  std::vector<std::vector<char>> reached(graph_->nodes.size());
  for (ir::NodeId id = 0; id < graph_->nodes.size(); ++id)
    reached[id].assign(size_t(borders[id].positions()), 0);
  size_t pokes = 0;
  for (ir::NodeId pad = 0; pad < graph_->nodes.size(); ++pad) {
    const ir::Node &node = graph_->nodes[pad];
    const ir::PadAttrs *attrs = std::get_if<ir::PadAttrs>(&node.attrs);
    if (!attrs)
      continue;
    const ir::Shape &in = graph_->nodes[node.operands[0]].shape;
    for (int64_t y = 0; y < node.shape[2]; ++y)
      for (int64_t x = 0; x < node.shape[3]; ++x) {
        if (y >= attrs->padding.top && y < attrs->padding.top + in[2] && x >= attrs->padding.left &&
            x < attrs->padding.left + in[3])
          continue; // a copied pixel, not padding
        ++pokes;
        const std::vector<ir::RefTensor> poked =
            evaluateAll(*graph_, weights_, inputs_, Poke{pad, y, x});
        for (ir::NodeId id = pad; id < graph_->nodes.size(); ++id) {
          const std::vector<char> changed = changedRefPositions(base[id], poked[id]);
          const auto &rows = borders[id].axes[0].reachesPadding;
          const auto &cols = borders[id].axes[1].reachesPadding;
          for (size_t p = 0; p < changed.size(); ++p) {
            EXPECT_TRUE(!changed[p] || rows[p / cols.size()] || cols[p % cols.size()])
                << graph_->nodes[id].name << " position " << p << " changed by " << node.name
                << " (" << y << ", " << x << ") but is not a border position";
            reached[id][p] |= changed[p];
          }
        }
      }
  }
  ASSERT_GT(pokes, 0u);
  for (ir::NodeId id = 0; id < graph_->nodes.size(); ++id)
    EXPECT_EQ(std::count(reached[id].begin(), reached[id].end(), 1), borders[id].borderPositions())
        << graph_->nodes[id].name;
}

INSTANTIATE_TEST_SUITE_P(Explain, BruteForce, testing::ValuesIn(kCases),
                         [](const testing::TestParamInfo<BruteForceCase> &param) {
                           return std::string(param.param.name);
                         });

} // namespace
