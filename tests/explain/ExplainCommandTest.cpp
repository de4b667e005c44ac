// `cnnc explain` on the command line: the table, the three files, and every way to
// call it wrong (exit 1 for a bad network or file, 2 for bad usage, no partial files).
#include "Subprocess.h"

#include <fstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace fs = std::filesystem;

namespace {

using cnnc::testsupport::readFile;
using cnnc::testsupport::runProcess;

// 12x12: pad 1 reflect, conv 3x3 (12), max pool 2 (6), strided conv 3x3/2 pad 1 (3).
const char kNet[] = R"(network tiny
input image: f32[1, 3, 12, 12]
pad1  = pad(image, 1, mode=reflect)
conv1 = conv2d(pad1, out_channels=4, kernel_size=3)
relu1 = relu(conv1)
pool1 = max_pool2d(relu1, kernel_size=2)
down  = conv2d(pool1, out_channels=4, kernel_size=3, stride=2, padding=1)
output down
)";

struct CommandRun {
  int exitCode = -1;
  std::string out, err;
};

class ExplainCommand : public testing::Test {
protected:
  static void SetUpTestSuite() {
    dir_ = fs::temp_directory_path() / ("cnnc-explain-test-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    std::ofstream(dir_ / "tiny.cnn") << kNet;
    std::ofstream(dir_ / "broken.cnn") << "network broken\ninput x: f32[1, 3, 8, 8]\n"
                                          "c = conv2d(y, out_channels=4, kernel_size=3)\n"
                                          "output c\n";
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }

  static CommandRun explain(std::vector<std::string> args) {
    args.insert(args.begin(), {CNNC_EXE, "explain"});
    CommandRun run;
    run.exitCode = runProcess(args, dir_ / "out.txt", dir_ / "err.txt").exitCode;
    run.out = readFile(dir_ / "out.txt");
    run.err = readFile(dir_ / "err.txt");
    return run;
  }
  static std::string path(const std::string &name) { return (dir_ / name).string(); }

  static fs::path dir_;
};

fs::path ExplainCommand::dir_;

TEST_F(ExplainCommand, PrintsTheTable) {
  CommandRun run = explain({path("tiny.cnn")});
  ASSERT_EQ(run.exitCode, 0) << run.err;
  // conv1: rf 3, start -1 (the reflect pad); pool1: 4, jump 2; down: 4 + 2*2 = 8,
  // jump 4, start -1 - 1*2 = -3.
  EXPECT_NE(run.out.find("conv1  conv2d k3"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("3x3       1x1     -1,-1"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("4x4       2x2     -1,-1"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("8x8       4x4     -3,-3"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("input image: 0 of 144 pixels never influence an output"),
            std::string::npos)
      << run.out;
  EXPECT_EQ(run.err, "");
}

TEST_F(ExplainCommand, WritesJsonDotAndSvg) {
  CommandRun run = explain({path("tiny.cnn"), "--json", path("t.json"), "--dot", path("t.dot"),
                            "--svg", path("t.svg"), "--position", "0,2"});
  ASSERT_EQ(run.exitCode, 0) << run.err;
  nlohmann::json json = nlohmann::json::parse(readFile(dir_ / "t.json"));
  EXPECT_EQ(json["format"], "cnnc-explain/1");
  const nlohmann::json &down = json["layers"][5];
  EXPECT_EQ(down["name"], "down");
  EXPECT_EQ(down["receptive_field"][0]["rows"]["size"], 8);
  EXPECT_EQ(down["receptive_field"][0]["rows"]["start"], -3);
  // down: 3x3 positions; row 0 and col 0 read its padding, rows/cols 2 read pool1 row
  // 5, which reads conv1 row 11, which reads the reflect pad. Only (1, 1) is clear.
  EXPECT_EQ(down["border_positions"], 8);
  EXPECT_EQ(json["layers"][0]["padded_read_share"], nullptr);
  const std::string dot = readFile(dir_ / "t.dot");
  EXPECT_EQ(dot.rfind("digraph \"tiny\" {", 0), 0u);
  EXPECT_NE(dot.find("subgraph cluster_"), std::string::npos);
  EXPECT_NE(dot.find("computed per tile of pool1"), std::string::npos) << dot;
  EXPECT_NE(dot.find("style=\"filled,dashed\", fillcolor=\"#fdd9b5\""), std::string::npos)
      << "the folded pad is orange and dashed";
  const std::string svg = readFile(dir_ / "t.svg");
  EXPECT_EQ(svg.rfind("<svg xmlns=", 0), 0u);
  EXPECT_NE(svg.find("position (0, 2) of down"), std::string::npos);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
  // The position section: down (0, 2) reads pool1 rows -1..1 and cols 3..5.
  EXPECT_NE(run.out.find("pool1           rows -1..1, cols 3..5 (3x3 of 6x6), 33.3% in padding"),
            std::string::npos)
      << run.out;
}

TEST_F(ExplainCommand, HelpStatesTheDefinitions) {
  CommandRun run = explain({"--help"});
  EXPECT_EQ(run.exitCode, 0);
  EXPECT_NE(run.out.find("start' = start - pad_begin * jump"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("--position"), std::string::npos);
}

TEST_F(ExplainCommand, MissingFileIsAnInputError) {
  CommandRun run = explain({path("nope.cnn")});
  EXPECT_EQ(run.exitCode, 1);
  EXPECT_NE(run.err.find("cannot open"), std::string::npos) << run.err;
  EXPECT_EQ(run.out, "");
}

TEST_F(ExplainCommand, BrokenNetworkIsAnInputError) {
  CommandRun run = explain({path("broken.cnn"), "--json", path("broken.json")});
  EXPECT_EQ(run.exitCode, 1);
  EXPECT_NE(run.err.find("broken.cnn:3:12: error: undefined tensor 'y'"), std::string::npos)
      << run.err;
  EXPECT_FALSE(fs::exists(dir_ / "broken.json"));
}

TEST_F(ExplainCommand, UsageErrors) {
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const Case cases[] = {
      {{}, "expected exactly one NET.cnn file"},
      {{path("tiny.cnn"), "--position", "3"}, "--position expects Y,X"},
      {{path("tiny.cnn"), "--position", "-1,2"}, "--position expects Y,X"},
      {{path("tiny.cnn"), "--position", "a,b"}, "--position expects Y,X"},
      {{path("tiny.cnn"), "--position", "3,0"}, "--position 3,0 is outside down's 3x3 positions"},
      {{path("tiny.cnn"), "--layer", "conv9"}, "--layer 'conv9' names no layer of network tiny"},
      {{path("tiny.cnn"), "--layer", "conv2"},
       "--layer 'conv2' names no layer of network tiny (did you mean 'conv1'?)"},
      {{path("tiny.cnn"), "--frobnicate"}, "unknown option"},
      {{path("tiny.cnn"), "--json"}, "needs a value"},
  };
  for (const Case &c : cases) {
    CommandRun run = explain(c.args);
    EXPECT_EQ(run.exitCode, 2) << c.message;
    EXPECT_NE(run.err.find(c.message), std::string::npos) << run.err;
    EXPECT_NE(run.err.find("usage: cnnc explain"), std::string::npos) << run.err;
  }
}

TEST_F(ExplainCommand, UnwritableOutputIsAnInputErrorWithoutPartialFiles) {
  CommandRun run = explain({path("tiny.cnn"), "--json", path("no/such/dir/t.json")});
  EXPECT_EQ(run.exitCode, 1);
  EXPECT_NE(run.err.find("cnnc: error:"), std::string::npos) << run.err;
  EXPECT_FALSE(fs::exists(dir_ / "no"));
}

TEST_F(ExplainCommand, TwoInputsAndAConcatAlongWidth) {
  std::ofstream(dir_ / "two.cnn") << "network two\ninput a: f32[1, 2, 8, 8]\n"
                                     "input b: f32[1, 2, 8, 8]\n"
                                     "c = conv2d(a, out_channels=2, kernel_size=3, padding=1)\n"
                                     "d = conv2d(b, out_channels=2, kernel_size=5, stride=2, "
                                     "padding=2)\n"
                                     "p = max_pool2d(c, kernel_size=2)\ns = add(p, d)\n"
                                     "k = concat(s, d, dim=3)\noutput k\n";
  CommandRun run = explain({path("two.cnn"), "--json", path("two.json"), "--svg", path("two.svg")});
  ASSERT_EQ(run.exitCode, 0) << run.err;
  // s = p + d: on a the field of p (4, jump 2, start -1), on b that of d (5, 2, -2).
  EXPECT_NE(run.out.find("4x4       2x2     -1,-1"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("5x5       2x2     -2,-2       on b"), std::string::npos) << run.out;
  // k's right half comes from d alone: on a its fields are not the same everywhere.
  EXPECT_NE(run.out.find("4x4*"), std::string::npos) << run.out;
  nlohmann::json json = nlohmann::json::parse(readFile(dir_ / "two.json"));
  const nlohmann::json &k = json["layers"][6];
  EXPECT_EQ(k["name"], "k");
  EXPECT_EQ(k["receptive_field"][0]["cols"]["regular"], false);
  EXPECT_EQ(k["receptive_field"][1]["input"], "b");
  EXPECT_EQ(k["receptive_field"][1]["rows"]["size"], 5);
}

TEST_F(ExplainCommand, LayerAndPositionSelectTheFocus) {
  CommandRun run = explain({path("tiny.cnn"), "--layer", "conv1", "--position", "0,0"});
  ASSERT_EQ(run.exitCode, 0) << run.err;
  EXPECT_NE(run.out.find("position (0, 0) of conv1"), std::string::npos);
  // conv1 (0, 0) reads pad1 rows 0..2, which is image rows -1..1: a third of each axis
  // in padding, 1 - (2/3)^2 = 55.6% of the region.
  EXPECT_NE(run.out.find("image           rows -1..1, cols -1..1 (3x3 of 12x12), 55.6% in padding"),
            std::string::npos)
      << run.out;
}

} // namespace
