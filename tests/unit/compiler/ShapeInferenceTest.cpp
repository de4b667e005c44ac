// Shape inference, one row per PyTorch rule (expected shapes checked against PyTorch 1.13).
#include "compiler/import/BuildGraph.h"
#include "dsl/Parser.h"

#include <gtest/gtest.h>

namespace {

using cnnc::ir::Shape;

struct ShapeCase {
  const char *name;
  Shape input;
  const char *layer; // the right-hand side of `y = ...`, reading tensor `x`
  Shape expected;
};

/// Checks `network s / input x / y = LAYER / output y` and returns y's shape, or an
/// empty shape and the diagnostics on failure.
Shape inferShape(const Shape &input, const std::string &layer, std::string &diagnostics) {
  std::string dims;
  for (size_t i = 0; i < input.size(); ++i)
    dims += (i ? ", " : "") + std::to_string(input[i]);
  cnnc::dsl::SourceFile file("s.cnn", "network s\ninput x: f32[" + dims + "]\ny = " + layer +
                                          "\noutput y\n");
  cnnc::dsl::DiagnosticEngine diags(&file);
  cnnc::dsl::Module module = cnnc::dsl::parseModule(file, diags);
  std::optional<cnnc::ir::Graph> graph = cnnc::import::buildGraph(module, diags);
  diagnostics = diags.renderAll();
  if (!graph)
    return {};
  return graph->nodes[graph->outputs[0]].shape;
}

class InferShapeTest : public testing::TestWithParam<ShapeCase> {};

TEST_P(InferShapeTest, MatchesPyTorch) {
  const ShapeCase &row = GetParam();
  std::string diagnostics;
  EXPECT_EQ(inferShape(row.input, row.layer, diagnostics), row.expected) << diagnostics;
}

std::string caseName(const testing::TestParamInfo<ShapeCase> &info) { return info.param.name; }

const ShapeCase kConvShapes[] = {
    {"basic_3x3_no_padding", {1, 3, 8, 8}, "conv2d(x, out_channels=4, kernel_size=3)", {1, 4, 6, 6}},
    {"padding_keeps_size", {2, 3, 8, 8}, "conv2d(x, out_channels=4, kernel_size=3, padding=1)", {2, 4, 8, 8}},
    {"stride_floors", {1, 3, 8, 8}, "conv2d(x, out_channels=4, kernel_size=3, stride=2)", {1, 4, 3, 3}},
    {"stride_with_padding", {1, 3, 224, 224}, "conv2d(x, out_channels=64, kernel_size=7, stride=2, padding=3)", {1, 64, 112, 112}},
    {"rectangular_kernel", {1, 3, 8, 8}, "conv2d(x, out_channels=4, kernel_size=(3, 1))", {1, 4, 6, 8}},
    {"per_axis_padding", {1, 3, 8, 8}, "conv2d(x, out_channels=4, kernel_size=3, padding=(0, 2))", {1, 4, 6, 10}},
    {"per_axis_stride", {1, 3, 9, 9}, "conv2d(x, out_channels=4, kernel_size=3, stride=(2, 1))", {1, 4, 4, 7}},
    {"dilation_widens_kernel", {1, 3, 9, 9}, "conv2d(x, out_channels=4, kernel_size=3, dilation=2)", {1, 4, 5, 5}},
    {"same_odd_kernel", {1, 3, 7, 7}, "conv2d(x, out_channels=4, kernel_size=3, padding=same)", {1, 4, 7, 7}},
    {"same_even_kernel_pads_end", {1, 3, 7, 6}, "conv2d(x, out_channels=4, kernel_size=4, padding=same)", {1, 4, 7, 6}},
    {"same_with_dilation", {1, 3, 7, 7}, "conv2d(x, out_channels=4, kernel_size=3, dilation=3, padding=same)", {1, 4, 7, 7}},
    {"valid_is_zero_padding", {1, 3, 7, 7}, "conv2d(x, out_channels=4, kernel_size=3, padding=valid)", {1, 4, 5, 5}},
    {"groups", {1, 4, 8, 8}, "conv2d(x, out_channels=6, kernel_size=3, groups=2)", {1, 6, 6, 6}},
    {"depthwise", {1, 4, 8, 8}, "conv2d(x, out_channels=4, kernel_size=3, groups=4, padding=1)", {1, 4, 8, 8}},
    {"kernel_equals_padded_input", {1, 1, 3, 3}, "conv2d(x, out_channels=1, kernel_size=5, padding=1)", {1, 1, 1, 1}},
    {"reflect_mode_same_shape_as_zeros", {1, 2, 5, 5}, "conv2d(x, out_channels=2, kernel_size=3, padding=(1, 2), padding_mode=reflect)", {1, 2, 5, 7}},
    {"circular_pad_equal_to_size", {1, 1, 3, 3}, "conv2d(x, out_channels=1, kernel_size=1, padding=3, padding_mode=circular)", {1, 1, 9, 9}},
};
INSTANTIATE_TEST_SUITE_P(Conv2d, InferShapeTest, testing::ValuesIn(kConvShapes), caseName);

const ShapeCase kPoolShapes[] = {
    {"stride_defaults_to_kernel", {1, 2, 8, 8}, "max_pool2d(x, kernel_size=2)", {1, 2, 4, 4}},
    {"floor_drops_partial_window", {1, 2, 7, 7}, "max_pool2d(x, kernel_size=2)", {1, 2, 3, 3}},
    {"ceil_mode_adds_partial_window", {1, 1, 6, 6}, "max_pool2d(x, kernel_size=3, stride=2, ceil_mode=true)", {1, 1, 3, 3}},
    {"ceil_mode_drops_window_in_padding", {1, 1, 5, 5}, "max_pool2d(x, kernel_size=2, padding=1, ceil_mode=true)", {1, 1, 3, 3}},
    {"ceil_mode_exact_fit_unchanged", {1, 1, 8, 8}, "max_pool2d(x, kernel_size=2, ceil_mode=true)", {1, 1, 4, 4}},
    {"resnet_stem_pool", {1, 64, 112, 112}, "max_pool2d(x, kernel_size=3, stride=2, padding=1)", {1, 64, 56, 56}},
    {"max_pool_dilation", {1, 1, 9, 9}, "max_pool2d(x, kernel_size=3, stride=1, dilation=2)", {1, 1, 5, 5}},
    {"pool_tuple_kernel", {1, 1, 8, 9}, "max_pool2d(x, kernel_size=(2, 3))", {1, 1, 4, 3}},
    {"avg_pool_padding", {1, 1, 5, 5}, "avg_pool2d(x, kernel_size=3, stride=2, padding=1)", {1, 1, 3, 3}},
    {"avg_pool_ceil", {1, 1, 7, 7}, "avg_pool2d(x, kernel_size=2, ceil_mode=true)", {1, 1, 4, 4}},
    {"avg_pool_stride_one", {1, 1, 5, 5}, "avg_pool2d(x, kernel_size=2, stride=1)", {1, 1, 4, 4}},
    {"global_avg", {2, 3, 7, 5}, "global_avg_pool2d(x)", {2, 3, 1, 1}},
    {"global_max", {2, 3, 7, 5}, "global_max_pool2d(x)", {2, 3, 1, 1}},
};
INSTANTIATE_TEST_SUITE_P(Pool2d, InferShapeTest, testing::ValuesIn(kPoolShapes), caseName);

const ShapeCase kOtherShapes[] = {
    {"pad_int_all_sides", {1, 2, 4, 5}, "pad(x, 1)", {1, 2, 6, 7}},
    {"pad_pair_is_width_only", {1, 2, 4, 5}, "pad(x, (1, 2))", {1, 2, 4, 8}},
    {"pad_four_left_right_top_bottom", {1, 2, 4, 5}, "pad(x, (1, 2, 3, 0))", {1, 2, 7, 8}},
    {"pad_keyword", {1, 2, 4, 5}, "pad(x, padding=2, mode=reflect)", {1, 2, 8, 9}},
    {"batch_norm_keeps_shape", {1, 3, 4, 4}, "batch_norm(x)", {1, 3, 4, 4}},
    {"batch_norm_on_features", {2, 6}, "batch_norm(x)", {2, 6}},
    {"flatten", {2, 3, 4, 5}, "flatten(x)", {2, 60}},
    {"flatten_2d_is_identity", {2, 7}, "flatten(x)", {2, 7}},
    {"linear", {2, 7}, "linear(x, out_features=3)", {2, 3}},
    {"softmax_keeps_shape", {2, 7}, "softmax(x)", {2, 7}},
    {"softmax_last_dim", {1, 2, 3, 4}, "softmax(x, dim=3)", {1, 2, 3, 4}},
    {"concat_one_tensor", {1, 2, 3, 4}, "concat(x)", {1, 2, 3, 4}},
    {"concat_channels", {1, 2, 3, 4}, "concat(x, x, x)", {1, 6, 3, 4}},
    {"concat_batch", {1, 2, 3, 4}, "concat(x, x, dim=0)", {2, 2, 3, 4}},
    {"concat_width", {1, 2, 3, 4}, "concat(x, x, dim=3)", {1, 2, 3, 8}},
    {"add", {1, 2, 3, 4}, "add(x, x)", {1, 2, 3, 4}},
    {"leaky_relu", {1, 2, 3, 4}, "leaky_relu(x, negative_slope=0.2)", {1, 2, 3, 4}},
    {"relu6", {1, 2, 3, 4}, "relu6(x)", {1, 2, 3, 4}},
};
INSTANTIATE_TEST_SUITE_P(Other, InferShapeTest, testing::ValuesIn(kOtherShapes), caseName);

} // namespace
