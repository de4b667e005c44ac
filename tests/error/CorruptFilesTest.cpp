// Corrupt weight and input files through the command line: for each way a file given
// to `cnnc run --weights W --inputs I -o OUT` can be broken, the exact message on
// stderr, exit code 1, nothing on stdout and no OUT left behind. The network is
// examples/consumer/tiny.cnn with its weights; the runtime's unit tests cover the
// readers' every branch, this covers what a user sees.
#include "Subprocess.h"
#include "TestUtil.h"
#include "cnnc/runtime/Npy.h"
#include "cnnc/runtime/Safetensors.h"

#include <functional>
#include <gtest/gtest.h>
#include <map>

namespace fs = std::filesystem;
using namespace cnnc::rt;
using namespace cnnc::rt::test;

namespace {

const std::string kNetwork = CNNC_SOURCE_DIR "/examples/consumer/tiny.cnn";
const std::string kWeights = CNNC_SOURCE_DIR "/examples/consumer/tiny.safetensors";

/// The tiny network's weights as tensors, to be changed one way or another.
std::map<std::string, Tensor> validWeights() {
  std::map<std::string, Tensor> weights;
  Expected<SafetensorsFile> file = SafetensorsFile::open(kWeights);
  EXPECT_TRUE(bool(file));
  if (!file)
    return weights;
  for (const std::string &name : file->names())
    weights[name] = *file->readF32(name);
  return weights;
}

void writeTensors(const std::string &path, const std::map<std::string, Tensor> &tensors) {
  std::vector<std::pair<std::string, const Tensor *>> named;
  for (const auto &[name, tensor] : tensors)
    named.emplace_back(name, &tensor);
  ASSERT_TRUE(bool(writeSafetensors(path, named)));
}

/// One tensor `x` of shape [1] (4 data bytes) described by `fields`.
std::string oneTensorHeader(const std::string &fields) { return R"({"x":{)" + fields + "}}"; }

struct CorruptFile {
  std::string name;
  std::string flag;                                  // "--weights" or "--inputs"
  std::string fileName;                              // in the test's directory
  std::function<void(const std::string &)> write;    // writes the broken file at the path
};

/// gtest prints a failing parameter: the case's name, not its bytes.
void PrintTo(const CorruptFile &c, std::ostream *os) { *os << c.name; }

std::function<void(const std::string &)> bytes(std::string content) {
  return [content](const std::string &path) { writeBytes(path, content); };
}

std::function<void(const std::string &)> changedWeights(
    std::function<void(std::map<std::string, Tensor> &)> change) {
  return [change](const std::string &path) {
    std::map<std::string, Tensor> weights = validWeights();
    change(weights);
    writeTensors(path, weights);
  };
}

std::string validWeightBytes() { return readBytes(kWeights); }

std::vector<CorruptFile> weightCases() {
  const std::string w = "--weights";
  return {
      {"weights_missing_file", w, "absent.safetensors", nullptr},
      {"weights_empty_file", w, "w.safetensors", bytes("")},
      {"weights_short_length", w, "w.safetensors", bytes(std::string("\x10\0\0\0", 4))},
      {"weights_header_beyond_file", w, "w.safetensors",
       bytes(littleEndian(5000, 8) + std::string(100, ' '))},
      {"weights_absurd_header_length", w, "w.safetensors",
       bytes(littleEndian(uint64_t(1) << 40, 8) + "{}")},
      {"weights_bad_json", w, "w.safetensors", bytes(safetensorsBytes(R"({"x": {"dtype")", 0))},
      {"weights_header_not_object", w, "w.safetensors", bytes(safetensorsBytes("[1, 2]", 0))},
      {"weights_unknown_dtype", w, "w.safetensors",
       bytes(safetensorsBytes(
           oneTensorHeader(R"("dtype":"F33","shape":[1],"data_offsets":[0,4])"), 4))},
      {"weights_data_beyond_file", w, "w.safetensors",
       bytes(safetensorsBytes(
           oneTensorHeader(R"("dtype":"F32","shape":[1],"data_offsets":[0,4])"), 2))},
      {"weights_size_disagrees_with_shape", w, "w.safetensors",
       bytes(safetensorsBytes(
           oneTensorHeader(R"("dtype":"F32","shape":[2],"data_offsets":[0,4])"), 4))},
      {"weights_truncated_data", w, "w.safetensors",
       [](const std::string &path) {
         std::string valid = validWeightBytes();
         writeBytes(path, valid.substr(0, valid.size() - 100));
       }},
      {"weights_missing_tensor", w, "w.safetensors",
       changedWeights([](auto &weights) { weights.erase("conv2.bias"); })},
      {"weights_unexpected_tensor", w, "w.safetensors",
       changedWeights([](auto &weights) { weights["conv3.weight"] = Tensor::zeros({1}); })},
      {"weights_misshaped_tensor", w, "w.safetensors",
       changedWeights([](auto &weights) { weights["fc.weight"] = Tensor::zeros({8, 4}); })},
      {"weights_wrong_dtype", w, "w.safetensors",
       bytes(safetensorsBytes(
           R"({"conv1.bias":{"dtype":"F16","shape":[8],"data_offsets":[0,16]}})", 16))},
      {"weights_is_a_directory", w, "dir.safetensors",
       [](const std::string &path) { fs::create_directory(path); }},
      {"weights_as_npy", w, "w.npy",
       [](const std::string &path) { ASSERT_TRUE(bool(writeNpy(path, Tensor::zeros({8})))); }},
  };
}

std::vector<CorruptFile> inputCases() {
  const std::string in = "--inputs";
  const std::string dims = "'shape': (1, 3, 16, 16), }";
  const std::string data(3 * 16 * 16 * 4, '\0');
  return {
      {"inputs_npy_wrong_shape", in, "i.npy",
       [](const std::string &path) {
         ASSERT_TRUE(bool(writeNpy(path, Tensor::zeros({1, 3, 16, 15}))));
       }},
      {"inputs_npy_float64", in, "i.npy",
       bytes(npyBytes("{'descr': '<f8', 'fortran_order': False, " + dims, data + data))},
      {"inputs_npy_fortran_order", in, "i.npy",
       bytes(npyBytes("{'descr': '<f4', 'fortran_order': True, " + dims, data))},
      {"inputs_npy_truncated_data", in, "i.npy",
       bytes(npyBytes("{'descr': '<f4', 'fortran_order': False, " + dims, data.substr(100)))},
      {"inputs_npy_bad_magic", in, "i.npy", bytes("PK\3\4 this is a zip file")},
      {"inputs_npy_bad_header", in, "i.npy",
       bytes(npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 3, 16, 16 }", data))},
      {"inputs_missing_tensor", in, "i.safetensors",
       [](const std::string &path) { writeTensors(path, {{"img", Tensor::zeros({1, 3, 16, 16})}}); }},
      {"inputs_safetensors_wrong_shape", in, "i.safetensors",
       [](const std::string &path) { writeTensors(path, {{"image", Tensor::zeros({3, 16, 16})}}); }},
  };
}

std::vector<CorruptFile> allCases() {
  std::vector<CorruptFile> cases = weightCases();
  for (CorruptFile &c : inputCases())
    cases.push_back(std::move(c));
  return cases;
}

/// The expected stderr of each case, kept beside the table so a change of wording is
/// reviewed in one place: tests/error/corrupt_files.expected, one "== NAME" block each.
std::map<std::string, std::string> expectedMessages() {
  std::string text = readBytes(CNNC_SOURCE_DIR "/tests/error/corrupt_files.expected");
  std::map<std::string, std::string> messages;
  std::string current;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    std::string line = text.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    pos = end == std::string::npos ? text.size() : end + 1;
    if (line.rfind("== ", 0) == 0)
      current = line.substr(3);
    else if (!current.empty())
      messages[current] += line + "\n";
  }
  return messages;
}

std::string replaceAll(std::string text, const std::string &from, const std::string &to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

class CorruptFileTest : public testing::TestWithParam<CorruptFile> {};

TEST_P(CorruptFileTest, ExactMessageExitOneAndNoOutput) {
  const CorruptFile &c = GetParam();
  TempDir dir;
  const std::string broken = dir.file(c.fileName);
  if (c.write)
    c.write(broken);
  const std::string inputs = dir.file("inputs.safetensors");
  writeTensors(inputs, {{"image", Tensor::zeros({1, 3, 16, 16})}});
  const std::string output = dir.file("out.safetensors");
  const bool badWeights = c.flag == "--weights";
  cnnc::testsupport::ProcessResult result = cnnc::testsupport::runProcess(
      {CNNC_EXE, "run", kNetwork, "--schedule", "reference", "--weights",
       badWeights ? broken : kWeights, "--inputs", badWeights ? inputs : broken, "-o", output},
      dir.file("stdout"), dir.file("stderr"));
  ASSERT_EQ(result.error, "");
  std::string err = replaceAll(cnnc::testsupport::readFile(dir.file("stderr")), dir.path(), "<dir>");
  EXPECT_EQ(result.exitCode, 1) << err;
  EXPECT_EQ(cnnc::testsupport::readFile(dir.file("stdout")), "");
  EXPECT_FALSE(fs::exists(output)) << "an output was left behind";
  // Nothing but the files this test wrote: no temporary output either.
  for (const std::string &entry : dir.entries())
    EXPECT_TRUE(entry == c.fileName || entry == "inputs.safetensors" || entry == "stdout" ||
                entry == "stderr")
        << "left behind: " << entry;
  if (std::getenv("CNNC_UPDATE_GOLDEN")) {
    std::cout << "== " << c.name << "\n" << err;
    return;
  }
  std::map<std::string, std::string> expected = expectedMessages();
  ASSERT_EQ(expected.count(c.name), 1u) << "no expected message for " << c.name;
  EXPECT_EQ(err, expected[c.name]);
}

INSTANTIATE_TEST_SUITE_P(Cli, CorruptFileTest, testing::ValuesIn(allCases()),
                         [](const testing::TestParamInfo<CorruptFile> &param) {
                           return param.param.name;
                         });

TEST(CorruptFileCases, AtLeastFifteenAndEveryExpectationUsed) {
  std::vector<CorruptFile> cases = allCases();
  EXPECT_GE(cases.size(), 15u);
  std::map<std::string, std::string> expected = expectedMessages();
  for (const CorruptFile &c : cases)
    expected.erase(c.name);
  EXPECT_TRUE(expected.empty()) << "stale expectation: " << expected.begin()->first;
}

} // namespace
