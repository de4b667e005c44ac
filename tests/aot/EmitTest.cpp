// emitLibrary and emitHalideRuntime: the files they write, all or nothing; Halide's
// compile errors, bad targets and bad names as diagnostics; and the wrapper's
// identifiers for awkward tensor names. (Reproducible output is checked across two
// `cnnc compile` processes by the aot_compile_reproducible test: within one process
// Halide renames a second pipeline's functions.)
#include "compiler/emit/EmitLibrary.h"
#include "compiler/emit/EmitWrapperHeader.h"
#include "compiler/import/BuildGraph.h"
#include "dsl/Parser.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <memory>
#include <optional>
#include <sstream>
#include <unistd.h>

namespace fs = std::filesystem;
using namespace cnnc;

namespace {

const char kTinyNetwork[] = R"(network tiny
input x: f32[1, 2, 4, 4]
c = conv2d(x, out_channels=2, kernel_size=3, padding=1)
y = relu(c)
output y
)";

class EmitTest : public ::testing::Test {
protected:
  void SetUp() override {
    source_ = std::make_unique<dsl::SourceFile>("tiny.cnn", kTinyNetwork);
    dsl::DiagnosticEngine diags(source_.get());
    graph_ = import::buildGraph(dsl::parseModule(*source_, diags), diags);
    ASSERT_TRUE(graph_) << diags.renderAll();
    const ::testing::TestInfo *test = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("cnnc_emit_" + std::string(test->name()) + "_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  emit::EmitOptions options() const {
    emit::EmitOptions options;
    options.outputDir = dir_.string();
    return options;
  }

  /// Lowers the tiny network (no schedule: emission does not care) and emits it.
  bool emitTiny(const emit::EmitOptions &options, dsl::DiagnosticEngine &diags) {
    lower::LoweredNetwork network = lower::lowerToHalide(*graph_);
    return emit::emitLibrary(*graph_, network, options, diags);
  }

  std::vector<std::string> filesIn(const fs::path &dir) const {
    std::vector<std::string> names;
    if (fs::exists(dir))
      for (const fs::directory_entry &entry : fs::directory_iterator(dir))
        names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }

  static std::string read(const fs::path &path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  }

  std::unique_ptr<dsl::SourceFile> source_;
  std::optional<ir::Graph> graph_;
  fs::path dir_;
};

TEST_F(EmitTest, WritesLibraryHeadersAndRuntimeAndNothingElse) {
  dsl::DiagnosticEngine diags(source_.get());
  ASSERT_TRUE(emitTiny(options(), diags)) << diags.renderAll();
  EXPECT_EQ(filesIn(dir_),
            (std::vector<std::string>{"halide_runtime.a", "tiny.a", "tiny.h", "tiny.hpp",
                                      "tiny_cnnc.h"}));
  // The include guard does not mention the staging directory.
  EXPECT_EQ(read(dir_ / "tiny.h").rfind("#ifndef HALIDE__tiny_h\n#define HALIDE__tiny_h\n", 0), 0u);
  EXPECT_NE(read(dir_ / "tiny.hpp").find("class tiny {"), std::string::npos);
}

TEST_F(EmitTest, WithoutRuntimeAndWithFunctionName) {
  emit::EmitOptions opts = options();
  opts.emitRuntime = false;
  opts.functionName = "tiny_v2";
  dsl::DiagnosticEngine diags(source_.get());
  ASSERT_TRUE(emitTiny(opts, diags)) << diags.renderAll();
  EXPECT_EQ(filesIn(dir_),
            (std::vector<std::string>{"tiny_v2.a", "tiny_v2.h", "tiny_v2.hpp", "tiny_v2_cnnc.h"}));
  EXPECT_NE(read(dir_ / "tiny_v2.h").find("int tiny_v2_argv(void **args);"), std::string::npos);
}

TEST_F(EmitTest, HalideCompileErrorIsADiagnosticAndLeavesNothing) {
  fs::create_directories(dir_);
  std::ofstream(dir_ / "tiny.hpp") << "previous";
  lower::LoweredNetwork network = lower::lowerToHalide(*graph_);
  network.outputs[0] = Halide::Func("never_defined"); // Halide refuses undefined outputs
  dsl::DiagnosticEngine diags(source_.get());
  EXPECT_FALSE(emit::emitLibrary(*graph_, network, options(), diags));
  ASSERT_EQ(diags.errorCount(), 1u);
  EXPECT_EQ(diags.diagnostics()[0].message.rfind("cannot compile network 'tiny': ", 0), 0u)
      << diags.diagnostics()[0].message;
  EXPECT_EQ(filesIn(dir_), std::vector<std::string>{"tiny.hpp"}); // no .tmp-*, no partial
  EXPECT_EQ(read(dir_ / "tiny.hpp"), "previous");
}

TEST_F(EmitTest, BadTargetIsADiagnostic) {
  emit::EmitOptions opts = options();
  opts.target = "x86-65-linux";
  dsl::DiagnosticEngine diags(source_.get());
  EXPECT_FALSE(emitTiny(opts, diags));
  ASSERT_EQ(diags.errorCount(), 1u);
  EXPECT_NE(diags.diagnostics()[0].message.find("unknown Halide target 'x86-65-linux'"),
            std::string::npos);
  EXPECT_FALSE(fs::exists(dir_));
}

TEST_F(EmitTest, BadFunctionNamesAreDiagnostics) {
  for (const char *name : {"9lives", "has-dash", "int", "halide_thing", "main"}) {
    emit::EmitOptions opts = options();
    opts.functionName = name;
    dsl::DiagnosticEngine diags(source_.get());
    EXPECT_FALSE(emitTiny(opts, diags)) << name;
    ASSERT_EQ(diags.errorCount(), 1u) << name;
    EXPECT_NE(diags.diagnostics()[0].message.find(std::string("function name '") + name + "'"),
              std::string::npos);
  }
  EXPECT_FALSE(fs::exists(dir_));
}

TEST_F(EmitTest, OutputDirectoryThatIsAFile) {
  std::ofstream(dir_.string()) << "a file";
  dsl::DiagnosticEngine diags(source_.get());
  EXPECT_FALSE(emitTiny(options(), diags));
  ASSERT_EQ(diags.errorCount(), 1u);
  EXPECT_NE(diags.diagnostics()[0].message.find("cannot create output directory"),
            std::string::npos);
  fs::remove(dir_);
}

TEST_F(EmitTest, RuntimeAlone) {
  dsl::DiagnosticEngine diags(nullptr);
  ASSERT_TRUE(emit::emitHalideRuntime(dir_.string(), "host", diags)) << diags.renderAll();
  EXPECT_EQ(filesIn(dir_), std::vector<std::string>{"halide_runtime.a"});
}

TEST(WrapperHeader, AwkwardNamesBecomeDistinctIdentifiers) {
  emit::WrapperSpec spec;
  spec.functionName = "net";
  spec.networkName = "net";
  spec.inputs = {{"int", {1, 2}}, {"relu_1", {1, 2}}};
  spec.outputs = {{"relu1", {1, 2}}, {"int", {1, 2}}, {"net", {1, 2}}};
  std::string text = emit::generateWrapperHeader(spec);
  const std::string indent = ",\n                       ";
  EXPECT_NE(text.find("run(const float *int_in" + indent + "const float *relu_1" + indent +
                      "float *relu1" + indent + "float *int_out" + indent + "float *net_out)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("kRelu1Shape"), std::string::npos);
  EXPECT_NE(text.find("kRelu1_2Shape"), std::string::npos); // relu1 after relu_1
  EXPECT_EQ(text.find("kInt_2Shape"), std::string::npos);   // one tensor, one set
  EXPECT_NE(text.find("kWeightBytes = 0;"), std::string::npos);
}

} // namespace
