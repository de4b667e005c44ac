// Golden diagnostics: for every tests/error/NAME.cnn, `cnnc check NAME.cnn` must exit
// with 1 (0 for warn_*.cnn) and print exactly NAME.stderr. CNNC_UPDATE_GOLDEN=1
// rewrites the .stderr files instead; review the diff.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/wait.h>

namespace fs = std::filesystem;

namespace {

std::string readFile(const fs::path &path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

struct ProcessResult {
  int exitCode = -1;
  std::string out, err;
};

/// Runs `cnnc check NAME.cnn` in the error directory, so messages carry the bare name.
ProcessResult runCheck(const std::string &name) {
  fs::path scratch = fs::temp_directory_path() / ("cnnc-error-" + name);
  std::string command = "cd '" CNNC_ERROR_DIR "' && '" CNNC_EXE "' check '" + name +
                        ".cnn' >'" + scratch.string() + ".out' 2>'" + scratch.string() + ".err'";
  int status = std::system(command.c_str());
  ProcessResult result;
  result.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.out = readFile(scratch.string() + ".out");
  result.err = readFile(scratch.string() + ".err");
  fs::remove(scratch.string() + ".out");
  fs::remove(scratch.string() + ".err");
  return result;
}

std::vector<std::string> errorCases() {
  std::vector<std::string> names;
  for (const fs::directory_entry &entry : fs::directory_iterator(CNNC_ERROR_DIR))
    if (entry.path().extension() == ".cnn")
      names.push_back(entry.path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

class GoldenDiagnostics : public testing::TestWithParam<std::string> {};

TEST_P(GoldenDiagnostics, MatchesStderr) {
  const std::string name = GetParam();
  const bool warningOnly = name.rfind("warn_", 0) == 0;
  ProcessResult result = runCheck(name);
  const fs::path golden = fs::path(CNNC_ERROR_DIR) / (name + ".stderr");
  if (std::getenv("CNNC_UPDATE_GOLDEN")) {
    std::ofstream(golden, std::ios::binary) << result.err;
    return;
  }
  EXPECT_EQ(result.exitCode, warningOnly ? 0 : 1) << result.err;
  ASSERT_TRUE(fs::exists(golden)) << "missing " << golden << "; run with CNNC_UPDATE_GOLDEN=1";
  EXPECT_EQ(result.err, readFile(golden));
  if (!warningOnly) {
    EXPECT_EQ(result.out, "") << "an error must not print a partial result";
  }
}

INSTANTIATE_TEST_SUITE_P(Error, GoldenDiagnostics, testing::ValuesIn(errorCases()),
                         [](const testing::TestParamInfo<std::string> &param) {
                           return param.param;
                         });

/// Every golden file belongs to a case, so a renamed case leaves nothing stale.
TEST(GoldenDiagnosticsFiles, EveryStderrHasACase) {
  for (const fs::directory_entry &entry : fs::directory_iterator(CNNC_ERROR_DIR))
    if (entry.path().extension() == ".stderr") {
      EXPECT_TRUE(fs::exists(fs::path(entry.path()).replace_extension(".cnn"))) << entry.path();
    }
}

} // namespace
