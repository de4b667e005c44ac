// `cnnc import` on hand-built ONNX models: every unsupported operator, attribute and
// shape is an error naming the node, its operator and what is missing, all of them
// are reported at once without cascades, and nothing is written on failure. Also the
// layer-naming rules. No Halide is compiled: these run in milliseconds.
#include "OnnxModelBuilder.h"
#include "Subprocess.h"
#include "compiler/import/onnx/ImportOnnx.h"
#include "compiler/import/onnx/LayerNames.h"

#include <functional>
#include <gtest/gtest.h>

namespace {

namespace fs = std::filesystem;
using cnnc::onnximport::importOnnx;
using cnnc::testsupport::OnnxModelBuilder;

fs::path scratchDir() {
  fs::path dir = fs::temp_directory_path() / ("cnnc_onnx_import_test." + std::to_string(getpid()));
  fs::create_directories(dir);
  return dir;
}

/// Removes scratchDir() when the tests end.
class ScratchCleanup : public testing::Environment {
public:
  void TearDown() override { fs::remove_all(scratchDir()); }
};
const testing::Environment *const kCleanup = testing::AddGlobalTestEnvironment(new ScratchCleanup);

/// (converted, rendered diagnostics) for the model.
std::pair<bool, std::string> importModel(const OnnxModelBuilder &builder, const std::string &name) {
  fs::path path = scratchDir() / (name + ".onnx");
  builder.write(path);
  cnnc::dsl::SourceFile file(path.filename().string(), "");
  cnnc::dsl::DiagnosticEngine diags(&file);
  std::optional<cnnc::onnximport::ImportedNetwork> net = importOnnx(path.string(), {"net"}, diags);
  return {net.has_value(), diags.renderAll()};
}

/// x [1, 3, 8, 8] -> the node under test -> y.
OnnxModelBuilder withInput(int64_t opset = 13) {
  OnnxModelBuilder b(opset);
  b.input("x", {1, 3, 8, 8}).output("y");
  return b;
}

struct ErrorCase {
  const char *name;
  std::function<OnnxModelBuilder()> build;
  const char *expected; // the whole first line of stderr after "<file>: error: "
};

const ErrorCase kErrorCases[] = {
    {"unsupported_operator",
     [] { auto b = withInput(); b.node("Resize", "/up/Resize", {"x"}, {"y"}); return b; },
     "node '/up/Resize' (Resize): operator Resize is not supported"},
    {"other_domain",
     [] { auto b = withInput(); b.node("Relu", "r", {"x"}, {"y"}).set_domain("com.microsoft"); return b; },
     "node 'r' (Relu): operators of domain 'com.microsoft' are not supported"},
    {"unsupported_attribute",
     [] { auto b = withInput(); auto &n = b.node("LeakyRelu", "lr", {"x"}, {"y"});
          OnnxModelBuilder::intAttr(n, "beta", 2); return b; },
     "node 'lr' (LeakyRelu): attribute 'beta' is not supported"},
    {"pad_wrap_needs_opset_19",
     [] { auto b = withInput(); b.ints("pads", {0, 0, 1, 1, 0, 0, 1, 1});
          OnnxModelBuilder::stringAttr(b.node("Pad", "p", {"x", "pads"}, {"y"}), "mode", "wrap"); return b; },
     "node 'p' (Pad): mode 'wrap' needs opset 19; this model uses opset 13 (cnnc reads opsets 11 to 17)"},
    {"pad_channels",
     [] { auto b = withInput(); b.ints("pads", {0, 1, 0, 0, 0, 0, 0, 0});
          b.node("Pad", "p", {"x", "pads"}, {"y"}); return b; },
     "node 'p' (Pad): pads [0, 1, 0, 0, 0, 0, 0, 0] pad the batch or channel axis; only height and width can be padded"},
    {"pad_from_network",
     [] { auto b = withInput(); b.node("Shape", "s", {"x"}, {"shape"});
          b.node("Relu", "r", {"x"}, {"rx"}); b.node("Pad", "p", {"x", "rx"}, {"y"}); return b; },
     "node 'p' (Pad): pads (input 'rx') must be a constant (an initializer or computed from constants only); values computed from the network's inputs are not supported"},
    {"clip_bounds",
     [] { auto b = withInput(); b.floats("lo", {}, -1).floats("hi", {}, 1);
          b.node("Clip", "c", {"x", "lo", "hi"}, {"y"}); return b; },
     "node 'c' (Clip): bounds [-1.0, 1.0] are not supported; only [0, 6] (relu6) and [0, inf) (relu) are"},
    {"dynamic_batch",
     [] { OnnxModelBuilder b; b.input("x", {-1, 3, 8, 8}).output("y"); b.node("Relu", "r", {"x"}, {"y"}); return b; },
     "graph input 'x' has a dynamic dimension 'batch'; cnnc needs static shapes (export with fixed sizes)"},
    {"opset_too_old",
     [] { auto b = withInput(9); b.node("Relu", "r", {"x"}, {"y"}); return b; },
     "the model uses opset 9; cnnc imports opsets 11 to 17 (re-export with opset_version in that range)"},
    {"opset_too_new",
     [] { auto b = withInput(18); b.node("Relu", "r", {"x"}, {"y"}); return b; },
     "the model uses opset 18; cnnc imports opsets 11 to 17 (re-export with opset_version in that range)"},
    {"conv_1d",
     [] { OnnxModelBuilder b; b.input("x", {1, 3, 8}).output("y"); return b; },
     "graph input 'x' has shape [1, 3, 8]; cnnc inputs are [N, C, H, W] or [N, F]"},
    {"conv_weight_from_network",
     [] { auto b = withInput(); b.node("Conv", "/c/Conv", {"x", "x"}, {"y"}); return b; },
     "node '/c/Conv' (Conv): the weight (input 'x') must be a constant (an initializer or computed from constants only); values computed from the network's inputs are not supported"},
    {"conv_3d_kernel",
     [] { auto b = withInput(); b.floats("w", {4, 3, 3, 3}, 0.1f);
          OnnxModelBuilder::intsAttr(b.node("Conv", "c", {"x", "w"}, {"y"}), "strides", {1, 1, 1}); return b; },
     "node 'c' (Conv): 'strides' has 3 values; only 2-D windows (two values) are supported"},
    {"pool_asymmetric",
     [] { auto b = withInput(); auto &n = b.node("MaxPool", "m", {"x"}, {"y"});
          OnnxModelBuilder::intsAttr(n, "kernel_shape", {2, 2}); OnnxModelBuilder::intsAttr(n, "pads", {0, 0, 1, 1});
          return b; },
     "node 'm' (MaxPool): asymmetric padding (begin [0, 0], end [1, 1]) is not supported for pooling"},
    {"pool_missing_kernel",
     [] { auto b = withInput(); b.node("AveragePool", "a", {"x"}, {"y"}); return b; },
     "node 'a' (AveragePool): attribute 'kernel_shape' is missing"},
    {"pool_padding_over_half_kernel",
     [] { auto b = withInput(); auto &n = b.node("MaxPool", "m", {"x"}, {"y"});
          OnnxModelBuilder::intsAttr(n, "kernel_shape", {3, 3}); OnnxModelBuilder::intsAttr(n, "pads", {2, 2, 2, 2});
          return b; },
     "node 'm' (MaxPool): padding 2 must be at most half of kernel_size 3"},
    {"maxpool_indices_used",
     [] { auto b = withInput(); auto &n = b.node("MaxPool", "m", {"x"}, {"p", "y"});
          OnnxModelBuilder::intsAttr(n, "kernel_shape", {2, 2}); return b; },
     "node 'm' (MaxPool): output 1 ('y') is used, but cnnc only converts the first output"},
    {"batch_norm_training",
     [] { auto b = withInput(); for (const char *s : {"g", "bb", "m", "v"}) b.floats(s, {3}, 1);
          OnnxModelBuilder::intAttr(b.node("BatchNormalization", "bn", {"x", "g", "bb", "m", "v"}, {"y"}),
                                    "training_mode", 1); return b; },
     "node 'bn' (BatchNormalization): training_mode=1 is not supported (cnnc runs inference: running statistics)"},
    {"add_broadcast",
     [] { auto b = withInput(); b.node("GlobalAveragePool", "g", {"x"}, {"gx"});
          b.node("Add", "a", {"x", "gx"}, {"y"}); return b; },
     "node 'a' (Add): operands have shapes [1, 3, 8, 8] and [1, 3, 1, 1]; broadcasting is not supported"},
    {"add_constant",
     [] { auto b = withInput(); b.floats("c", {1, 3, 8, 8}, 1); b.node("Add", "a", {"x", "c"}, {"y"}); return b; },
     "node 'a' (Add): adding a constant is only supported as the bias of a MatMul (converted to linear); here 'c' is a constant"},
    {"reshape_not_flatten",
     [] { auto b = withInput(); b.ints("shape", {1, 3, 64}); b.node("Reshape", "r", {"x", "shape"}, {"y"}); return b; },
     "node 'r' (Reshape): reshaping [1, 3, 8, 8] to [1, 3, 64] is not supported; only a flatten to [1, 192] is"},
    {"flatten_axis_2",
     [] { auto b = withInput(); OnnxModelBuilder::intAttr(b.node("Flatten", "f", {"x"}, {"y"}), "axis", 2); return b; },
     "node 'f' (Flatten): reshaping [1, 3, 8, 8] to [3, 64] is not supported; only a flatten to [1, 192] is"},
    {"softmax_before_opset_13",
     [] { auto b = withInput(11); b.node("Softmax", "s", {"x"}, {"y"}); return b; },
     "node 's' (Softmax): before opset 13 Softmax normalizes over all axes from 1 on, which for shape [1, 3, 8, 8] is not one axis"},
    {"gemm_trans_a",
     [] { OnnxModelBuilder b; b.input("x", {1, 4}).output("y"); b.floats("w", {4, 2}, 1);
          OnnxModelBuilder::intAttr(b.node("Gemm", "g", {"x", "w"}, {"y"}), "transA", 1); return b; },
     "node 'g' (Gemm): transA=1 is not supported (the input must be [N, features])"},
    {"undefined_input",
     [] { auto b = withInput(); b.node("Relu", "r", {"x"}, {"rx"});
          b.node("Add", "a", {"rx", "nowhere"}, {"y"}); return b; },
     "node 'a' (Add): input 'nowhere' is not defined before this node"},
    {"constant_output",
     [] { auto b = withInput(); b.floats("c", {1, 3}, 1); b.node("Relu", "r", {"x"}, {"unused"});
          b.node("Identity", "i", {"c"}, {"y"}); return b; },
     "graph output 'y' is a constant, not computed from the inputs"},
    {"external_data",
     [] { auto b = withInput(); b.floats("w", {4, 3, 1, 1}, 1);
          b.model().mutable_graph()->mutable_initializer(0)->set_data_location(onnx::TensorProto::EXTERNAL);
          b.node("Conv", "c", {"x", "w"}, {"y"}); return b; },
     "initializer 'w': tensor data stored outside the model file (external data) is not supported"},
};

class ImportErrorTest : public testing::TestWithParam<ErrorCase> {};

TEST_P(ImportErrorTest, NamesNodeOperatorAndWhatIsMissing) {
  const ErrorCase &c = GetParam();
  auto [converted, messages] = importModel(c.build(), c.name);
  EXPECT_FALSE(converted);
  std::string prefix = std::string(c.name) + ".onnx: error: ";
  std::string firstLine = messages.substr(0, messages.find('\n'));
  EXPECT_EQ(firstLine, prefix + c.expected) << messages;
}

INSTANTIATE_TEST_SUITE_P(Onnx, ImportErrorTest, testing::ValuesIn(kErrorCases),
                         [](const testing::TestParamInfo<ErrorCase> &param) { return param.param.name; });

TEST(ImportErrors, EveryBadNodeIsReportedAndItsUsersStaySilent) {
  OnnxModelBuilder b;
  b.input("x", {1, 3, 8, 8}).output("y");
  b.node("Resize", "up", {"x"}, {"u"});
  b.node("Relu", "after_up", {"u"}, {"r"}); // silent: its input failed
  b.node("Erf", "erf", {"x"}, {"e"});
  b.node("Add", "join", {"r", "e"}, {"y"}); // silent too
  auto [converted, messages] = importModel(b, "two_errors");
  EXPECT_FALSE(converted);
  EXPECT_EQ(messages, "two_errors.onnx: error: node 'up' (Resize): operator Resize is not supported\n"
                      "two_errors.onnx: error: node 'erf' (Erf): operator Erf is not supported\n");
}

TEST(ImportErrors, NotAnOnnxFile) {
  fs::path path = scratchDir() / "garbage.onnx";
  std::FILE *f = std::fopen(path.c_str(), "wb");
  std::fputs("\xff\xff\xff not protobuf", f);
  std::fclose(f);
  cnnc::dsl::DiagnosticEngine diags(nullptr);
  EXPECT_FALSE(importOnnx(path.string(), {"net"}, diags));
  EXPECT_NE(diags.renderAll().find("is not an ONNX model"), std::string::npos) << diags.renderAll();
}

TEST(ImportCommand, WritesNothingOnFailureAndBothFilesOnSuccess) {
  fs::path dir = scratchDir() / "cli";
  fs::remove_all(dir);
  fs::create_directories(dir);
  OnnxModelBuilder bad = withInput();
  bad.node("Resize", "up", {"x"}, {"y"});
  bad.write(dir / "bad.onnx");
  auto run = [&](const std::vector<std::string> &args) {
    std::vector<std::string> argv = {CNNC_EXE, "import"};
    argv.insert(argv.end(), args.begin(), args.end());
    return cnnc::testsupport::runProcess(argv, dir / "out.txt", dir / "err.txt").exitCode;
  };
  EXPECT_EQ(run({(dir / "bad.onnx").string(), "-o", (dir / "bad.cnn").string()}), 1);
  EXPECT_FALSE(fs::exists(dir / "bad.cnn"));
  EXPECT_FALSE(fs::exists(dir / "bad.safetensors"));
  EXPECT_EQ(cnnc::testsupport::readFile(dir / "err.txt"),
            (dir / "bad.onnx").string() + ": error: node 'up' (Resize): operator Resize is not supported\n");

  OnnxModelBuilder good = withInput();
  good.floats("conv.weight", {4, 3, 3, 3}, 0.5f);
  OnnxModelBuilder::intsAttr(good.node("Conv", "/conv/Conv", {"x", "conv.weight"}, {"c"}), "pads", {1, 1, 1, 1});
  good.node("Relu", "/act/Relu", {"c"}, {"y"});
  good.write(dir / "good.onnx");
  EXPECT_EQ(run({(dir / "good.onnx").string(), "-o", (dir / "good.cnn").string(), "--name", "tiny"}), 0);
  EXPECT_EQ(cnnc::testsupport::readFile(dir / "good.cnn"),
            "# Imported by `cnnc import` from good.onnx (test, opset 13).\n"
            "# Weights: <layer>.<name> in the safetensors file written with it.\n"
            "network tiny\n\ninput x: f32[1, 3, 8, 8]\n\n"
            "conv = conv2d(x, out_channels=4, kernel_size=3, padding=1, bias=false)  # /conv/Conv\n"
            "act = relu(conv)  # /act/Relu\n\noutput act\n");
  EXPECT_TRUE(fs::exists(dir / "good.safetensors"));
  EXPECT_EQ(run({(dir / "good.onnx").string(), "-o", (dir / "x.cnn").string(), "--name", "not-an-identifier"}), 2);
  EXPECT_FALSE(fs::exists(dir / "x.cnn"));
}

TEST(ImportConversions, OperatorsPyTorchDoesNotExport) {
  // auto_pad SAME_UPPER with stride 2 pads one pixel at the end only (a pad layer);
  // GlobalMaxPool; Gemm with transB=0 and alpha (folded into the weight); Softmax
  // before opset 13 on a 2-D input.
  OnnxModelBuilder b(11);
  b.input("x", {1, 3, 8, 8}).output("y");
  b.floats("w", {4, 3, 3, 3}, 0.5f).floats("fc_w", {4, 2}, 1.0f).floats("fc_b", {2}, 0.0f);
  auto &conv = b.node("Conv", "conv", {"x", "w"}, {"c"});
  OnnxModelBuilder::stringAttr(conv, "auto_pad", "SAME_UPPER");
  OnnxModelBuilder::intsAttr(conv, "strides", {2, 2});
  b.node("GlobalMaxPool", "gmp", {"c"}, {"g"});
  b.node("Flatten", "flat", {"g"}, {"f"});
  auto &gemm = b.node("Gemm", "fc", {"f", "fc_w", "fc_b"}, {"l"});
  onnx::AttributeProto *alpha = gemm.add_attribute();
  alpha->set_name("alpha");
  alpha->set_type(onnx::AttributeProto::FLOAT);
  alpha->set_f(2.0f);
  b.node("Softmax", "sm", {"l"}, {"y"});
  fs::path path = scratchDir() / "conversions.onnx";
  b.write(path);
  cnnc::dsl::DiagnosticEngine diags(nullptr);
  std::optional<cnnc::onnximport::ImportedNetwork> net = importOnnx(path.string(), {"net"}, diags);
  ASSERT_TRUE(net) << diags.renderAll();
  std::string body = net->cnnText.substr(net->cnnText.find("conv_pad ="));
  EXPECT_EQ(body, "conv_pad = pad(x, padding=(0, 1, 0, 1))  # conv\n"
                  "conv = conv2d(conv_pad, out_channels=4, kernel_size=3, stride=2, bias=false)  # conv\n"
                  "gmp = global_max_pool2d(conv)  # gmp\n"
                  "flat = flatten(gmp)  # flat\n"
                  "fc = linear(flat, out_features=2)  # fc\n"
                  "sm = softmax(fc, dim=1)  # sm\n\noutput sm\n");
  ASSERT_EQ(net->weights.size(), 3u);
  EXPECT_EQ(net->weights[1].first, "fc.weight");
  EXPECT_EQ(net->weights[1].second.shape, (std::vector<int64_t>{2, 4}));
  EXPECT_EQ(net->weights[1].second.data[0], 2.0f); // alpha folded in
}

// --- layer names --------------------------------------------------------------------

using cnnc::onnximport::parseScopeName;
using cnnc::onnximport::sanitizeIdentifier;

TEST(LayerNames, SanitizeIdentifier) {
  EXPECT_EQ(sanitizeIdentifier("layer1.0.conv1"), "layer1_0_conv1");
  EXPECT_EQ(sanitizeIdentifier("/features/features.0/Conv"), "features_features_0_Conv");
  EXPECT_EQ(sanitizeIdentifier("input.1"), "input_1");
  EXPECT_EQ(sanitizeIdentifier("123"), "n123");
  EXPECT_EQ(sanitizeIdentifier("onnx::Conv_193"), "onnx_Conv_193");
  EXPECT_EQ(sanitizeIdentifier("__a--b__"), "a_b");
  EXPECT_EQ(sanitizeIdentifier("::"), "");
}

TEST(LayerNames, ScopeNamesGiveModulePaths) {
  auto scope = parseScopeName("/layer1/layer1.0/conv1/Conv");
  ASSERT_TRUE(scope);
  EXPECT_EQ(scope->modulePath, "layer1.0.conv1");
  EXPECT_EQ(scope->opPart, "Conv");
  scope = parseScopeName("/features/features.1/conv/conv.0/conv.0.0/Conv");
  ASSERT_TRUE(scope);
  EXPECT_EQ(scope->modulePath, "features.1.conv.0.0");
  scope = parseScopeName("/Flatten");
  ASSERT_TRUE(scope);
  EXPECT_EQ(scope->modulePath, "");
  EXPECT_EQ(scope->opPart, "Flatten");
  EXPECT_FALSE(parseScopeName("Conv_0"));
}

TEST(LayerNames, ModulesContainersRolesAndClashes) {
  using namespace cnnc::onnximport;
  CnnProgram p;
  p.inputs.push_back({"relu", {1, 3, 8, 8}});
  auto layer = [&](const std::string &node, const std::string &op, const std::string &role = "") {
    CnnLayer l;
    l.onnxNode = node;
    l.op = op;
    l.role = role;
    p.layers.push_back(l);
  };
  layer("/layer1/layer1.0/conv1/Conv", "conv2d", "pad");
  layer("/layer1/layer1.0/conv1/Conv", "conv2d");
  layer("/layer1/layer1.0/Add", "add");       // its module contains conv1
  layer("/relu/Relu", "relu");                // clashes with the input
  layer("/head/Relu", "relu");
  layer("/head/Relu_1", "relu");              // two layers of one module
  layer("", "flatten");                       // no name at all
  assignLayerNames(p);
  std::vector<std::string> names;
  for (const CnnLayer &l : p.layers)
    names.push_back(l.name);
  EXPECT_EQ(names, (std::vector<std::string>{"layer1_0_conv1_pad", "layer1_0_conv1", "layer1_0_add",
                                             "relu_2", "head_relu", "head_relu_1", "flatten"}));
}

} // namespace
