// Runs every PyTorch-generated fixture (make_fixtures.py) through `cnnc run` under each
// schedule and compares the outputs with PyTorch's at SPEC's tolerance. One test per
// (schedule, case), named `<Schedule>.<case>`, e.g. `Reference.conv2d_stride2`.
#include "Subprocess.h"
#include "TensorIndex.h"
#include "cnnc/runtime/Safetensors.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <iostream>
#include <spawn.h>
#include <sstream>
#include <string>
#include <string_view>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#ifndef CNNC_EXE
#error "CNNC_EXE (path of the cnnc binary) must be defined by CMake"
#endif
#ifndef CNNC_FIXTURE_DIR
#error "CNNC_FIXTURE_DIR must be defined by CMake"
#endif
#ifndef CNNC_TEST_SCHEDULES
#define CNNC_TEST_SCHEDULES "reference"
#endif

extern char **environ; // NOLINT: POSIX declares it nowhere else

namespace {

namespace fs = std::filesystem;
using cnnc::rt::SafetensorsFile;
using cnnc::rt::Tensor;
using cnnc::testsupport::ProcessResult;
using cnnc::testsupport::readFile;
using cnnc::testsupport::runProcess;

/// How many mismatching elements a failure lists.
constexpr int kMaxReportedMismatches = 8;

std::vector<std::string> splitList(std::string_view list) {
  std::vector<std::string> items;
  std::string item;
  for (char c : std::string(list) + ",") {
    if (c != ',' && c != ';' && c != ' ') {
      item += c;
      continue;
    }
    if (!item.empty())
      items.push_back(item);
    item.clear();
  }
  return items;
}

/// `reference` -> `Reference`: the test suite name of a schedule.
std::string suiteName(std::string schedule) {
  if (!schedule.empty())
    schedule[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(schedule[0])));
  return schedule;
}

/// SPEC 1, "Tolerance": with S = max|expected| over the tensor, every element must
/// satisfy |got - expected| <= 1e-4 * (|expected| + 0.1 * S). NaN never matches.
testing::AssertionResult valuesMatch(const std::string &name, const Tensor &got,
                                     const Tensor &expected) {
  double maxAbs = 0.0;
  for (float e : expected.data)
    maxAbs = std::max(maxAbs, std::fabs(static_cast<double>(e)));
  size_t bad = 0;
  std::ostringstream report;
  for (size_t i = 0; i < expected.data.size(); ++i) {
    double e = expected.data[i], g = got.data[i];
    double tolerance = 1e-4 * (std::fabs(e) + 0.1 * maxAbs);
    if (std::fabs(g - e) <= tolerance)
      continue;
    if (++bad <= kMaxReportedMismatches)
      report << "\n  " << name << cnnc::test::formatIndex(expected.shape, i) << ": got " << g
             << ", expected " << e << " (|diff| " << std::fabs(g - e) << " > " << tolerance << ")";
  }
  if (bad == 0)
    return testing::AssertionSuccess();
  return testing::AssertionFailure()
         << name << ": " << bad << " of " << expected.data.size()
         << " elements outside tolerance (max|expected| " << maxAbs << ")" << report.str();
}

testing::AssertionResult tensorMatches(const std::string &name, const SafetensorsFile &got,
                                       const SafetensorsFile &expected) {
  auto g = got.readF32(name);
  if (!g)
    return testing::AssertionFailure() << g.error().message;
  auto e = expected.readF32(name);
  if (!e)
    return testing::AssertionFailure() << e.error().message;
  if (g->shape != e->shape)
    return testing::AssertionFailure() << name << ": shape " << cnnc::rt::formatShape(g->shape)
                                       << ", expected " << cnnc::rt::formatShape(e->shape);
  return valuesMatch(name, *g, *e);
}

/// One fixture under one schedule.
class CorrectnessTest : public testing::Test {
public:
  CorrectnessTest(std::string caseName, std::string schedule)
      : caseName_(std::move(caseName)), schedule_(std::move(schedule)) {}

protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "cnnc-correctness-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr) << "mkdtemp " << pattern;
    tmp_ = pattern;
  }

  void TearDown() override {
    if (tmp_.empty())
      return;
    if (HasFailure()) {
      std::cout << "kept " << tmp_.string() << "\n";
      return;
    }
    std::error_code ignored;
    fs::remove_all(tmp_, ignored);
  }

  void TestBody() override {
    fs::path base = fs::path(CNNC_FIXTURE_DIR) / caseName_;
    fs::path out = tmp_ / "out.safetensors";
    std::vector<std::string> args = {CNNC_EXE,
                                     "run",
                                     base.string() + ".cnn",
                                     "--weights",
                                     base.string() + ".weights.safetensors",
                                     "--inputs",
                                     base.string() + ".inputs.safetensors",
                                     "-o",
                                     out.string(),
                                     "--schedule",
                                     schedule_};
    runCnnc(args);
    if (HasFatalFailure())
      return;
    compareOutputs(out, base.string() + ".expected.safetensors");
  }

private:
  void runCnnc(const std::vector<std::string> &args) {
    std::string command;
    for (const std::string &a : args)
      command += (command.empty() ? "" : " ") + a;
    ProcessResult result = runProcess(args, tmp_ / "stdout.txt", tmp_ / "stderr.txt");
    ASSERT_TRUE(result.error.empty()) << result.error;
    ASSERT_EQ(result.exitCode, 0) << command << "\nstderr:\n" << readFile(tmp_ / "stderr.txt");
  }

  void compareOutputs(const fs::path &outPath, const fs::path &expectedPath) {
    auto expected = SafetensorsFile::open(expectedPath.string());
    ASSERT_TRUE(expected) << expected.error().message;
    auto got = SafetensorsFile::open(outPath.string());
    ASSERT_TRUE(got) << got.error().message;
    ASSERT_EQ(got->names(), expected->names()) << "output tensor names differ";
    for (const std::string &name : expected->names()) {
      testing::AssertionResult match = tensorMatches(name, *got, *expected);
      if (!match)
        ADD_FAILURE() << match.message();
    }
  }

  std::string caseName_;
  std::string schedule_;
  fs::path tmp_;
};

/// Stands in for the cases when CASES.txt cannot be read, so the failure is visible.
class MissingFixturesTest : public CorrectnessTest {
public:
  using CorrectnessTest::CorrectnessTest;
  void TestBody() override {
    FAIL() << "cannot read " << CNNC_FIXTURE_DIR
           << "/CASES.txt; regenerate with tests/correctness/make_fixtures.py";
  }
};

/// Registers Schedule.case for every schedule in CNNC_TEST_SCHEDULES and every line of
/// fixtures/CASES.txt. Runs during static initialization, as TEST() does, before
/// gtest_main parses flags.
bool registerCorrectnessTests() {
  std::ifstream casesFile(fs::path(CNNC_FIXTURE_DIR) / "CASES.txt");
  std::vector<std::string> cases;
  for (std::string line; std::getline(casesFile, line);)
    if (!line.empty())
      cases.push_back(line);
  if (cases.empty()) {
    testing::RegisterTest("Correctness", "fixtures", nullptr, nullptr, __FILE__, __LINE__,
                          []() -> CorrectnessTest * { return new MissingFixturesTest("", ""); });
    return false;
  }
  for (const std::string &schedule : splitList(CNNC_TEST_SCHEDULES)) {
    for (const std::string &caseName : cases) {
      testing::RegisterTest(
          suiteName(schedule).c_str(), caseName.c_str(), nullptr, nullptr, __FILE__, __LINE__,
          [=]() -> CorrectnessTest * { return new CorrectnessTest(caseName, schedule); });
    }
  }
  return true;
}

[[maybe_unused]] const bool kTestsRegistered = registerCorrectnessTests();

} // namespace
