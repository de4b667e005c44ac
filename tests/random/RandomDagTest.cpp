// Differential test over seeded random networks (RandomNetwork.h): each seed's network
// is checked with `cnnc check`, then run with `cnnc run` under the reference evaluator
// and under the unfused and fused Halide schedules, which must match the reference at
// SPEC's tolerance (SPEC 4: all schedules compute the same function).
//
// One test per seed, `Seeds/RandomDagTest.SchedulesMatchReference/seed_N`. The seeds are
// CNNC_RANDOM_DAG_SEED (default 1) and the CNNC_RANDOM_DAG_COUNT (default 12) after it;
// ctest knows the default ones, a manual run of the binary takes the environment's:
//   CNNC_RANDOM_DAG_COUNT=500 CNNC_RANDOM_DAG_SEED=1000 build/tests/random/random_dag_tests
// CNNC_RANDOM_DAG_AVOID=a,b turns on the generator's known-bug switches (names in
// RandomNetwork.h, GeneratorOptions), to look past a known bug in a soak run.
// A failure keeps its files (network, weights, inputs, outputs) and prints where.
#include "RandomNetwork.h"
#include "Subprocess.h"
#include "TensorIndex.h"
#include "cnnc/runtime/Safetensors.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#ifndef CNNC_EXE
#error "CNNC_EXE (path of the cnnc binary) must be defined by CMake"
#endif

namespace {

namespace fs = std::filesystem;
using cnnc::rt::SafetensorsFile;
using cnnc::rt::Tensor;
using cnnc::test::RandomNetwork;
using cnnc::testsupport::readFile;

/// The exit code of a cnnc run, or -1 when it could not be started.
int runProcess(const std::vector<std::string> &args, const fs::path &out, const fs::path &err) {
  cnnc::testsupport::ProcessResult result = cnnc::testsupport::runProcess(args, out, err);
  return result.error.empty() ? result.exitCode : -1;
}

constexpr uint64_t kDefaultSeed = 1;
constexpr uint64_t kDefaultCount = 12;
/// How many mismatching elements a failure lists.
constexpr int kMaxReportedMismatches = 8;

/// The cnnc binary under test: CMake's, unless CNNC_RANDOM_DAG_CNNC names a copy (a
/// soak run can then go on while the build tree is rebuilt).
std::string cnncExe() {
  const char *path = std::getenv("CNNC_RANDOM_DAG_CNNC");
  return path && *path ? path : CNNC_EXE;
}

uint64_t envOr(const char *name, uint64_t fallback) {
  const char *text = std::getenv(name);
  if (!text || !*text)
    return fallback;
  char *end = nullptr;
  unsigned long long value = std::strtoull(text, &end, 10);
  if (*end != '\0') {
    std::cerr << name << "=" << text << " is not a number; using " << fallback << "\n";
    return fallback;
  }
  return value;
}

/// The generator options CNNC_RANDOM_DAG_AVOID asks for; unknown names go to `unknown`.
cnnc::test::GeneratorOptions generatorOptions(std::string &unknown) {
  cnnc::test::GeneratorOptions options;
  const char *list = std::getenv("CNNC_RANDOM_DAG_AVOID");
  std::stringstream names(list ? list : "");
  for (std::string name; std::getline(names, name, ',');)
    if (!name.empty() && !cnnc::test::setAvoidSwitch(options, name))
      unknown += (unknown.empty() ? "" : ", ") + name;
  return options;
}

/// This test binary's path, for the rerun line of a failure.
std::string selfPath() {
  std::error_code error;
  fs::path self = fs::read_symlink("/proc/self/exe", error);
  return error ? std::string("random_dag_tests") : self.string();
}

std::string commandLine(const std::vector<std::string> &args) {
  std::string text;
  for (const std::string &a : args)
    text += (text.empty() ? "" : " ") + a;
  return text;
}

/// SPEC 1, "Tolerance": with S = max|expected| over the tensor, every element must
/// satisfy |got - expected| <= 1e-4 * (|expected| + 0.1 * S). NaN never matches.
testing::AssertionResult valuesMatch(const std::string &what, const Tensor &got,
                                     const Tensor &expected) {
  if (got.shape != expected.shape)
    return testing::AssertionFailure() << what << ": shape " << cnnc::test::formatShape(got.shape)
                                       << ", reference " << cnnc::test::formatShape(expected.shape);
  double maxAbs = 0.0;
  for (float e : expected.data)
    maxAbs = std::max(maxAbs, std::fabs(static_cast<double>(e)));
  size_t bad = 0;
  double worst = 0.0;
  std::ostringstream report;
  for (size_t i = 0; i < expected.data.size(); ++i) {
    double e = expected.data[i], g = got.data[i];
    double tolerance = 1e-4 * (std::fabs(e) + 0.1 * maxAbs);
    if (std::fabs(g - e) <= tolerance)
      continue;
    worst = std::max(worst, std::fabs(g - e));
    if (++bad <= kMaxReportedMismatches)
      report << "\n  " << what << cnnc::test::formatIndex(expected.shape, i) << ": got " << g
             << ", reference " << e << " (|diff| " << std::fabs(g - e) << " > " << tolerance << ")";
  }
  if (bad == 0)
    return testing::AssertionSuccess();
  return testing::AssertionFailure() << what << ": " << bad << " of " << expected.data.size()
                                     << " elements outside tolerance (max|reference| " << maxAbs
                                     << ", max|diff| " << worst << ")" << report.str();
}

class RandomDagTest : public testing::TestWithParam<uint64_t> {
protected:
  void SetUp() override {
    std::string pattern =
        (fs::temp_directory_path() / ("cnnc-random-dag-" + std::to_string(GetParam()) + "-XXXXXX"))
            .string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr) << "mkdtemp " << pattern;
    dir_ = pattern;
  }

  void TearDown() override {
    if (dir_.empty())
      return;
    if (!HasFailure()) {
      std::error_code ignored;
      fs::remove_all(dir_, ignored);
      return;
    }
    const char *avoid = std::getenv("CNNC_RANDOM_DAG_AVOID");
    std::cout << "random network seed " << GetParam() << " failed; files kept in " << dir_.string()
              << "\n"
              << "rerun: "
              << (avoid && *avoid ? std::string("CNNC_RANDOM_DAG_AVOID=") + avoid + " " : "")
              << "CNNC_RANDOM_DAG_SEED=" << GetParam() << " CNNC_RANDOM_DAG_COUNT=1 " << selfPath()
              << "\n"
              << "reproduce: " << cnncExe() << " run " << (dir_ / "net.cnn").string()
              << " --weights " << (dir_ / "weights.safetensors").string() << " --inputs "
              << (dir_ / "inputs.safetensors").string() << " -o out.safetensors --schedule S\n"
              << "--- net.cnn ---\n"
              << network_.text << "---\n";
  }

  /// `cnnc check` must accept the network and agree with the generator on every shape;
  /// anything else is a generator bug (or a checker bug), not a schedule mismatch.
  void checkNetwork() {
    std::vector<std::string> args = {cnncExe(), "check", (dir_ / "net.cnn").string()};
    int rc = runProcess(args, dir_ / "check.out", dir_ / "check.err");
    std::string out = readFile(dir_ / "check.out"), err = readFile(dir_ / "check.err");
    ASSERT_EQ(rc, 0) << "generator bug: cnnc check rejects the network\n"
                     << commandLine(args) << "\n"
                     << err;
    EXPECT_EQ(err.find("warning:"), std::string::npos) << "generator bug: warnings\n" << err;
    std::map<std::string, cnnc::test::Shape> checked = cnnc::test::parseCheckShapes(out);
    for (const auto &[name, shape] : network_.shapes) {
      auto found = checked.find(name);
      if (found == checked.end()) {
        ADD_FAILURE() << "cnnc check prints no shape for " << name << "\n" << out;
        continue;
      }
      EXPECT_EQ(cnnc::test::formatShape(found->second), cnnc::test::formatShape(shape))
          << "generator and cnnc check disagree on the shape of " << name;
    }
  }

  /// `cnnc run --schedule S`, writing `S.safetensors`; false (and a failure) when it fails.
  bool run(const std::string &schedule) {
    std::vector<std::string> args = {cnncExe(),
                                     "run",
                                     (dir_ / "net.cnn").string(),
                                     "--weights",
                                     (dir_ / "weights.safetensors").string(),
                                     "--inputs",
                                     (dir_ / "inputs.safetensors").string(),
                                     "-o",
                                     (dir_ / (schedule + ".safetensors")).string(),
                                     "--schedule",
                                     schedule};
    int rc = runProcess(args, dir_ / (schedule + ".out"), dir_ / (schedule + ".err"));
    if (rc == 0)
      return true;
    ADD_FAILURE() << "schedule " << schedule << " exits with " << rc << ": " << commandLine(args)
                  << "\n"
                  << readFile(dir_ / (schedule + ".err"));
    return false;
  }

  void compareWithReference(const std::string &schedule) {
    auto reference = SafetensorsFile::open((dir_ / "reference.safetensors").string());
    ASSERT_TRUE(reference) << reference.error().message;
    auto got = SafetensorsFile::open((dir_ / (schedule + ".safetensors")).string());
    ASSERT_TRUE(got) << got.error().message;
    std::vector<std::string> outputs = network_.outputs;
    std::sort(outputs.begin(), outputs.end());
    ASSERT_EQ(reference->names(), outputs) << "reference output names";
    ASSERT_EQ(got->names(), outputs) << schedule << " output names";
    for (const std::string &name : outputs) {
      auto g = got->readF32(name);
      auto e = reference->readF32(name);
      ASSERT_TRUE(g && e) << (g ? e.error().message : g.error().message);
      EXPECT_TRUE(valuesMatch(schedule + " " + name, *g, *e));
    }
  }

  fs::path dir_;
  RandomNetwork network_;
};

TEST_P(RandomDagTest, SchedulesMatchReference) {
  std::string unknown;
  cnnc::test::GeneratorOptions options = generatorOptions(unknown);
  ASSERT_TRUE(unknown.empty()) << "CNNC_RANDOM_DAG_AVOID: no generator switch " << unknown;
  network_ = cnnc::test::generateRandomNetwork(GetParam(), options);
  {
    std::ofstream net(dir_ / "net.cnn");
    net << network_.text;
    ASSERT_TRUE(net.good()) << "cannot write " << (dir_ / "net.cnn").string();
  }
  ASSERT_NO_FATAL_FAILURE(checkNetwork());
  if (HasFailure())
    return;
  cnnc::rt::Status written = cnnc::test::writeRandomTensors(
      network_, (dir_ / "weights.safetensors").string(), (dir_ / "inputs.safetensors").string());
  ASSERT_TRUE(written) << written.error().message;
  if (!run("reference"))
    return;
  // Each schedule on its own: one that fails to run does not hide the other's result.
  for (const char *schedule : {"unfused", "fused"})
    if (run(schedule))
      compareWithReference(schedule);
}

/// The seeds, read from the environment when the tests are registered.
std::vector<uint64_t> seeds() {
  uint64_t start = envOr("CNNC_RANDOM_DAG_SEED", kDefaultSeed);
  uint64_t count = envOr("CNNC_RANDOM_DAG_COUNT", kDefaultCount);
  std::vector<uint64_t> list;
  for (uint64_t i = 0; i < count; ++i)
    list.push_back(start + i);
  return list;
}

std::string seedName(const testing::TestParamInfo<uint64_t> &seed) {
  return "seed_" + std::to_string(seed.param);
}

INSTANTIATE_TEST_SUITE_P(Seeds, RandomDagTest, testing::ValuesIn(seeds()), seedName);

} // namespace
