// The auto schedule on a few PyTorch fixtures, and --explain-schedule. Not the whole
// fixture list: an autoscheduler plus a JIT compile per case would take minutes, and
// the schedules share the lowering that the full list already checks under fused.
// Adams2019 is never run here (minutes and gigabytes per network, FACTS.md).
#include "cnnc/runtime/Safetensors.h"
#include "compiler/eval/Compare.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <vector>

#ifndef CNNC_EXE
#error "CNNC_EXE (path of the cnnc binary) must be defined by CMake"
#endif
#ifndef CNNC_FIXTURE_DIR
#error "CNNC_FIXTURE_DIR must be defined by CMake"
#endif

namespace {

namespace fs = std::filesystem;

/// A temporary directory, removed at the end unless the test failed.
class TempDir {
public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "cnnc-auto-XXXXXX").string();
    if (mkdtemp(pattern.data()))
      path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    if (!path_.empty() && !testing::Test::HasFailure())
      fs::remove_all(path_, ignored);
  }
  const fs::path &path() const { return path_; }

private:
  fs::path path_;
};

std::string readFile(const fs::path &path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

struct CommandResult {
  int exitCode = -1;
  std::string out, err;
};

/// Runs cnnc with `args` (no spaces or quotes in them: paths of this build and
/// mkdtemp), capturing stdout and stderr in `dir`.
CommandResult runCnnc(const std::vector<std::string> &args, const fs::path &dir) {
  std::string command = CNNC_EXE;
  for (const std::string &arg : args)
    command += " '" + arg + "'";
  const fs::path out = dir / "stdout.txt", err = dir / "stderr.txt";
  command += " >'" + out.string() + "' 2>'" + err.string() + "'";
  const int status = std::system(command.c_str());
  CommandResult result;
  result.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
  result.out = readFile(out);
  result.err = readFile(err);
  return result;
}

cnnc::eval::TensorMap readTensors(const fs::path &path) {
  cnnc::eval::TensorMap tensors;
  auto file = cnnc::rt::SafetensorsFile::open(path.string());
  EXPECT_TRUE(file) << file.error().message;
  if (!file)
    return tensors;
  for (const std::string &name : file->names()) {
    auto tensor = file->readF32(name);
    EXPECT_TRUE(tensor) << tensor.error().message;
    if (tensor)
      tensors[name] = std::move(*tensor);
  }
  return tensors;
}

struct AutoCase {
  std::string autoscheduler;
  std::string fixture;
};

// For test listings: "li2018 on vgg_tiny", not the struct's bytes.
void PrintTo(const AutoCase &param, std::ostream *out) {
  *out << param.autoscheduler << " on " << param.fixture;
}

std::string caseName(const testing::TestParamInfo<AutoCase> &info) {
  return info.param.autoscheduler + "_" + info.param.fixture;
}

class AutoScheduleTest : public testing::TestWithParam<AutoCase> {};

// `cnnc run --schedule auto --autoscheduler A` agrees with PyTorch at SPEC's tolerance.
TEST_P(AutoScheduleTest, MatchesPyTorch) {
  const AutoCase &param = GetParam();
  TempDir tmp;
  ASSERT_FALSE(tmp.path().empty());
  const fs::path base = fs::path(CNNC_FIXTURE_DIR) / param.fixture;
  const fs::path out = tmp.path() / "out.safetensors";
  CommandResult result =
      runCnnc({"run", base.string() + ".cnn", "--weights", base.string() + ".weights.safetensors",
               "--inputs", base.string() + ".inputs.safetensors", "-o", out.string(), "--schedule",
               "auto", "--autoscheduler", param.autoscheduler},
              tmp.path());
  ASSERT_EQ(result.exitCode, 0) << result.err;
  cnnc::eval::TensorMap expected = readTensors(base.string() + ".expected.safetensors");
  cnnc::eval::TensorMap got = readTensors(out);
  ASSERT_EQ(got.size(), expected.size());
  std::optional<std::string> problem = cnnc::eval::compareOutputs(expected, got);
  EXPECT_FALSE(problem) << *problem;
}

// Conv, pooling, linear and softmax; batch-norm folded and a residual add; reflect and
// zero pads of their own before unpadded convolutions, max and average pooling.
INSTANTIATE_TEST_SUITE_P(Fixtures, AutoScheduleTest,
                         testing::Values(AutoCase{"mullapudi2016", "vgg_tiny"},
                                         AutoCase{"mullapudi2016", "residual_block"},
                                         AutoCase{"mullapudi2016", "seed_pad_tiny"},
                                         AutoCase{"li2018", "vgg_tiny"},
                                         AutoCase{"li2018", "residual_block"},
                                         AutoCase{"li2018", "seed_pad_tiny"}),
                         caseName);

/// The line of `text` that explains layer `layer` ("  p: ..."), or "".
std::string decisionFor(const std::string &text, const std::string &layer) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);)
    if (line.rfind("  " + layer + ":", 0) == 0)
      return line;
  return "";
}

/// `cnnc compile pad_then_conv.cnn --explain-schedule` with `extra` options; its stdout.
std::string explainPadThenConv(const std::vector<std::string> &extra) {
  TempDir tmp;
  EXPECT_FALSE(tmp.path().empty());
  std::vector<std::string> args = {
      "compile",      (fs::path(CNNC_FIXTURE_DIR) / "pad_then_conv.cnn").string(),
      "-o",           (tmp.path() / "lib").string(),
      "--no-runtime", "--explain-schedule"};
  args.insert(args.end(), extra.begin(), extra.end());
  CommandResult result = runCnnc(args, tmp.path());
  EXPECT_EQ(result.exitCode, 0) << result.err;
  return result.out;
}

// The fused schedule folds a pad into the convolution's loads: the explanation says
// the pad layer is never stored.
TEST(ExplainSchedule, FusedPadIsNeverStored) {
  const std::string out = explainPadThenConv({"--schedule", "fused"});
  EXPECT_NE(out.find("schedule fused for pad_then_conv:"), std::string::npos) << out;
  const std::string pad = decisionFor(out, "p");
  EXPECT_NE(pad.find("never stored"), std::string::npos) << "stdout:\n" << out;
}

// The auto schedule names its autoscheduler and says where each layer went (on an 8x8
// image Mullapudi2016 stores the pad: the decision is the autoscheduler's).
TEST(ExplainSchedule, AutoNamesAutoschedulerAndEveryLayer) {
  const std::string out =
      explainPadThenConv({"--schedule", "auto", "--autoscheduler", "mullapudi2016"});
  EXPECT_NE(out.find("schedule auto:mullapudi2016 for pad_then_conv:"), std::string::npos) << out;
  EXPECT_NE(out.find("Mullapudi2016 autoscheduler"), std::string::npos) << out;
  EXPECT_NE(out.find("schedule source"), std::string::npos) << out;
  for (const char *layer : {"p", "c"}) {
    const std::string line = decisionFor(out, layer);
    EXPECT_TRUE(line.find("stored") != std::string::npos ||
                line.find("computed per") != std::string::npos)
        << layer << " not explained:\n"
        << out;
  }
}

// Unknown autoscheduler names are usage errors that list the choices.
TEST(AutoScheduleUsage, UnknownAutoschedulerListsChoices) {
  TempDir tmp;
  ASSERT_FALSE(tmp.path().empty());
  CommandResult result =
      runCnnc({"compile", (fs::path(CNNC_FIXTURE_DIR) / "pad_then_conv.cnn").string(), "-o",
               (tmp.path() / "lib").string(), "--schedule", "auto", "--autoscheduler", "adams"},
              tmp.path());
  EXPECT_EQ(result.exitCode, 2);
  EXPECT_NE(result.err.find("unknown autoscheduler 'adams' (expected mullapudi2016, li2018 or "
                            "adams2019)"),
            std::string::npos)
      << result.err;
}

// A missing plugin is an error that names the file, not an abort.
TEST(AutoScheduleUsage, MissingPluginIsAnError) {
  TempDir tmp;
  ASSERT_FALSE(tmp.path().empty());
  ASSERT_EQ(setenv("CNNC_HALIDE_AUTOSCHEDULER_DIR", tmp.path().c_str(), 1), 0);
  CommandResult result =
      runCnnc({"compile", (fs::path(CNNC_FIXTURE_DIR) / "pad_then_conv.cnn").string(), "-o",
               (tmp.path() / "lib").string(), "--schedule", "auto", "--autoscheduler", "li2018"},
              tmp.path());
  unsetenv("CNNC_HALIDE_AUTOSCHEDULER_DIR");
  EXPECT_EQ(result.exitCode, 1) << result.err;
  EXPECT_NE(result.err.find("libautoschedule_li2018.so' does not exist"), std::string::npos)
      << result.err;
}

} // namespace
