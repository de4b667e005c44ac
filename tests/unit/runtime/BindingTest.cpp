// Binding files to a network's declared tensors: every missing, extra, mistyped and
// misshaped tensor is reported in one message, in a fixed order.
#include "TestUtil.h"
#include "cnnc/runtime/Npy.h"
#include "cnnc/runtime/TensorBinding.h"

using namespace cnnc::rt;
using namespace cnnc::rt::test;

namespace {

/// One entry of a hand-built file, in any dtype.
struct RawTensor {
  std::string name;
  std::string dtype;
  std::vector<int64_t> shape;
  size_t bytes;
};

std::string rawSafetensors(const std::vector<RawTensor> &tensors) {
  std::string header = "{";
  size_t offset = 0;
  for (const RawTensor &t : tensors) {
    std::string shape = formatShape(t.shape);
    header += (header.size() > 1 ? "," : "") + std::string("\"") + t.name + "\":{\"dtype\":\"" +
              t.dtype + "\",\"shape\":" + shape + ",\"data_offsets\":[" + std::to_string(offset) +
              "," + std::to_string(offset + t.bytes) + "]}";
    offset += t.bytes;
  }
  return safetensorsBytes(header + "}", offset);
}

class BindingTest : public ::testing::Test {
protected:
  /// Writes `tensors` to w.safetensors and binds it to `expected` as weights.
  Expected<std::map<std::string, Tensor>> bind(const std::vector<RawTensor> &tensors,
                                               const std::vector<TensorSpec> &expected) {
    writeBytes(path_, rawSafetensors(tensors));
    Expected<SafetensorsFile> file = SafetensorsFile::open(path_);
    if (!file)
      return file.error();
    return bindTensors(*file, expected, "weight");
  }

  TempDir dir_;
  std::string path_ = dir_.file("w.safetensors");
  const std::vector<TensorSpec> conv_ = {{"conv1.weight", {4, 3, 3, 3}}, {"conv1.bias", {4}}};
};

TEST_F(BindingTest, BindsEveryExpectedTensor) {
  Tensor weight = Tensor::zeros({4, 3, 3, 3});
  weight.data[5] = 2.5f;
  Tensor bias{{4}, {1, 2, 3, 4}};
  ASSERT_TRUE(writeSafetensors(path_, {{"conv1.weight", &weight}, {"conv1.bias", &bias}}));
  Expected<std::map<std::string, Tensor>> bound = loadTensors(path_, conv_, "weight");
  ASSERT_TRUE(bound) << bound.error().message;
  ASSERT_EQ(bound->size(), 2u);
  EXPECT_EQ(bound->at("conv1.weight").data, weight.data);
  EXPECT_EQ(bound->at("conv1.bias").data, bias.data);
}

TEST_F(BindingTest, MissingTensor) {
  auto bound = bind({{"conv1.weight", "F32", {4, 3, 3, 3}, 432}}, conv_);
  ASSERT_FALSE(bound);
  EXPECT_EQ(bound.error().message, path_ + ": missing weight 'conv1.bias'");
}

TEST_F(BindingTest, ExtraTensor) {
  auto bound = bind({{"conv1.weight", "F32", {4, 3, 3, 3}, 432},
                     {"conv1.bias", "F32", {4}, 16},
                     {"foo", "F32", {1}, 4}},
                    conv_);
  ASSERT_FALSE(bound);
  EXPECT_EQ(bound.error().message,
            path_ + ": unexpected weight 'foo' (the network has no such weight)");
}

TEST_F(BindingTest, MisshapedTensor) {
  auto bound =
      bind({{"conv1.weight", "F32", {4, 3, 5, 5}, 1200}, {"conv1.bias", "F32", {4}, 16}}, conv_);
  ASSERT_FALSE(bound);
  EXPECT_EQ(bound.error().message,
            path_ + ": weight 'conv1.weight': expected shape [4, 3, 3, 3], found [4, 3, 5, 5]");
}

TEST_F(BindingTest, MistypedTensor) {
  auto bound =
      bind({{"conv1.weight", "F32", {4, 3, 3, 3}, 432}, {"conv1.bias", "F16", {4}, 8}}, conv_);
  ASSERT_FALSE(bound);
  EXPECT_EQ(bound.error().message, path_ + ": weight 'conv1.bias': expected dtype F32, found F16");
}

TEST_F(BindingTest, NumBatchesTrackedIsIgnored) {
  std::vector<TensorSpec> bn = {
      {"bn1.weight", {2}}, {"bn1.bias", {2}}, {"bn1.running_mean", {2}}, {"bn1.running_var", {2}}};
  auto bound = bind({{"bn1.weight", "F32", {2}, 8},
                     {"bn1.bias", "F32", {2}, 8},
                     {"bn1.running_mean", "F32", {2}, 8},
                     {"bn1.running_var", "F32", {2}, 8},
                     {"bn1.num_batches_tracked", "I64", {}, 8}},
                    bn);
  ASSERT_TRUE(bound) << bound.error().message;
  EXPECT_EQ(bound->size(), 4u);
  EXPECT_EQ(bound->count("bn1.num_batches_tracked"), 0u);
}

TEST_F(BindingTest, ReportsAllProblemsInOrder) {
  std::vector<TensorSpec> expected = {{"b.weight", {2}}, {"a.weight", {2}}, {"d", {3}},
                                      {"c", {3}},        {"e", {1, 2}},     {"f", {7}}};
  auto bound = bind({{"z.extra", "F32", {1}, 4},
                     {"y.extra", "I32", {1}, 4},
                     {"d", "F16", {3}, 6},
                     {"c", "BF16", {2}, 4},
                     {"e", "F32", {2, 1}, 8},
                     {"f", "F32", {7}, 28},
                     {"bn.num_batches_tracked", "I64", {}, 8}},
                    expected);
  ASSERT_FALSE(bound);
  EXPECT_EQ(bound.error().message,
            path_ + ": missing weight 'a.weight'\n" +                                        //
                path_ + ": missing weight 'b.weight'\n" +                                    //
                path_ + ": unexpected weight 'y.extra' (the network has no such weight)\n" + //
                path_ + ": unexpected weight 'z.extra' (the network has no such weight)\n" + //
                path_ + ": weight 'c': expected dtype F32, found BF16\n" +                   //
                path_ + ": weight 'd': expected dtype F32, found F16\n" +                    //
                path_ + ": weight 'c': expected shape [3], found [2]\n" +                    //
                path_ + ": weight 'e': expected shape [1, 2], found [2, 1]");
}

TEST_F(BindingTest, LoadsSingleInputFromNpy) {
  std::string path = dir_.file("image.npy");
  ASSERT_TRUE(writeNpy(path, Tensor{{1, 2}, {3, 4}}));
  auto bound = loadTensors(path, {{"image", {1, 2}}}, "input");
  ASSERT_TRUE(bound) << bound.error().message;
  EXPECT_EQ(bound->at("image").data, (std::vector<float>{3, 4}));

  auto misshaped = loadTensors(path, {{"image", {2, 1}}}, "input");
  ASSERT_FALSE(misshaped);
  EXPECT_EQ(misshaped.error().message,
            path + ": input 'image': expected shape [2, 1], found [1, 2]");

  auto twoInputs = loadTensors(path, {{"a", {1, 2}}, {"b", {1, 2}}}, "input");
  ASSERT_FALSE(twoInputs);
  EXPECT_EQ(twoInputs.error().message,
            path + ": a .npy file holds one tensor but 2 inputs are expected; use a "
                   ".safetensors file");
}

TEST_F(BindingTest, LoadReportsOpenErrors) {
  std::string path = dir_.file("absent.safetensors");
  auto bound = loadTensors(path, conv_, "weight");
  ASSERT_FALSE(bound);
  EXPECT_EQ(bound.error().message, path + ": cannot open: No such file or directory");
}

} // namespace
