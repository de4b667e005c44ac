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

/// Runs `cnnc check NAME.cnn` (or another subcommand, with `extraArgs` after the file)
/// in the error directory, so messages carry the bare name.
ProcessResult runCnnc(const std::string &name, const std::string &subcommand = "check",
                      const std::string &extraArgs = "") {
  // Per subcommand: ctest runs a case's check and compile tests in parallel.
  fs::path scratch = fs::temp_directory_path() / ("cnnc-error-" + subcommand + "-" + name);
  std::string command = "cd '" CNNC_ERROR_DIR "' && '" CNNC_EXE "' " + subcommand + " '" + name +
                        ".cnn' " + extraArgs + " >'" + scratch.string() + ".out' 2>'" +
                        scratch.string() + ".err'";
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
  ProcessResult result = runCnnc(name);
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

/// The commands that write files stop at the same diagnostics, with exit code 1, and
/// leave nothing behind: `cnnc compile -o DIR` no directory, `cnnc run -o OUT` no file.
TEST_P(GoldenDiagnostics, CompileAndRunWriteNothing) {
  const std::string name = GetParam();
  if (name.rfind("warn_", 0) == 0)
    GTEST_SKIP() << "a warning does not stop compilation";
  const std::string golden = readFile(fs::path(CNNC_ERROR_DIR) / (name + ".stderr"));
  const fs::path out = fs::temp_directory_path() / ("cnnc-error-out-" + name);
  fs::remove_all(out);
  ProcessResult compiled = runCnnc(name, "compile", "-o '" + out.string() + "'");
  EXPECT_EQ(compiled.exitCode, 1) << compiled.err;
  EXPECT_EQ(compiled.err, golden);
  EXPECT_FALSE(fs::exists(out)) << "cnnc compile left " << out;
  const std::string outFile = out.string() + ".safetensors";
  ProcessResult ran = runCnnc(name, "run", "--weights w.safetensors --inputs i.safetensors -o '" +
                                               outFile + "'");
  EXPECT_EQ(ran.exitCode, 1) << ran.err;
  EXPECT_EQ(ran.err, golden);
  EXPECT_FALSE(fs::exists(outFile)) << "cnnc run left " << outFile;
  fs::remove_all(out);
  fs::remove(outFile);
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
