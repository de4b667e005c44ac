// Syntax and structure errors: the message, where it points, recovery at the next line,
// and no cascades.
#include "dsl/Parser.h"

#include <gtest/gtest.h>
#include <string>
#include <vector>

namespace cnnc::dsl {
namespace {

struct Parsed {
  explicit Parsed(std::string text)
      : file("net.cnn", std::move(text)), diags(&file), module(parseModule(file, diags)) {}
  /// Every diagnostic as "line:column: message" (notes prefixed with "note: ").
  std::vector<std::string> messages() const {
    std::vector<std::string> result;
    for (const Diagnostic &d : diags.diagnostics()) {
      std::string prefix = d.severity == Severity::Note ? "note: " : "";
      result.push_back(std::to_string(d.loc.line) + ":" + std::to_string(d.loc.column) + ": " +
                       prefix + d.message);
    }
    return result;
  }
  SourceFile file;
  DiagnosticEngine diags;
  Module module;
};

using Strings = std::vector<std::string>;

struct SyntaxCase {
  const char *name;
  const char *line;    // the second line, after "network n"
  const char *message; // reported on line 2
  uint32_t column;
};

class SyntaxErrorTest : public testing::TestWithParam<SyntaxCase> {};

TEST_P(SyntaxErrorTest, OneErrorAtTheUnexpectedToken) {
  const SyntaxCase &c = GetParam();
  Parsed p(std::string("network n\n") + c.line + "\noutput n\n");
  EXPECT_EQ(p.messages(), Strings{"2:" + std::to_string(c.column) + ": " + c.message});
  EXPECT_EQ(p.module.outputs.size(), 1u); // the next line is parsed
}

const SyntaxCase kSyntaxCases[] = {
    {"not_a_statement", "= relu(x)", "expected statement, found '='", 1},
    {"number_statement", "12", "expected statement, found integer '12'", 1},
    {"missing_equal", "c relu(x)", "expected '=' after layer name, found identifier 'relu'", 3},
    {"missing_op", "c = (x)", "expected operator name after '=', found '('", 5},
    {"missing_paren", "c = relu x", "expected '(' after operator name, found identifier 'x'", 10},
    {"unclosed_call", "c = conv2d(x, k=3", "expected ')' or ',' after argument, found end of line",
     18},
    {"unclosed_call_comment", "c = f(x # the end",
     "expected ')' or ',' after argument, found end of line", 18},
    {"missing_comma", "c = f(x k=3)", "expected ')' or ',' after argument, found identifier 'k'",
     9},
    {"trailing_comma", "c = f(x,)", "expected value, found ')'", 9},
    {"missing_value", "c = f(x, k=)", "expected value, found ')'", 12},
    {"double_equal", "c = f(x, k==1)", "expected value, found '='", 12},
    {"empty_tuple", "c = f(x, k=())", "expected value, found ')'", 13},
    {"tuple_trailing_comma", "c = f(k=(1,))", "expected value, found ')'", 12},
    {"unclosed_tuple", "c = f(k=(1, 2)", "expected ')' or ',' after argument, found end of line",
     15},
    {"tuple_missing_comma", "c = f(k=(1 2))",
     "expected ')' or ',' after tuple element, found integer '2'", 12},
    {"junk_after_call", "c = f(x) y", "expected end of line after ')', found identifier 'y'", 10},
    {"network_no_name", "network", "expected network name after 'network', found end of line", 8},
    {"input_no_name", "input : f32[1]", "expected input name after 'input', found ':'", 7},
    {"input_no_colon", "input x f32[1]", "expected ':' after input name, found identifier 'f32'",
     9},
    {"input_no_type", "input x: [1]", "expected element type after ':', found '['", 10},
    {"input_no_shape", "input x: f32", "expected '[' after element type, found end of line", 13},
    {"input_empty_shape", "input x: f32[]", "expected integer dimension, found ']'", 14},
    {"input_float_dim", "input x: f32[1.0]", "expected integer dimension, found float '1.0'", 14},
    {"input_name_dim", "input x: f32[n]", "expected integer dimension, found identifier 'n'", 14},
    {"input_unclosed", "input x: f32[1, 2",
     "expected ']' or ',' after dimension, found end of line", 18},
    {"input_trailing", "input x: f32[1] y",
     "expected end of line after input shape, found identifier 'y'", 17},
    {"output_no_name", "output", "expected output name after 'output', found end of line", 7},
    {"output_trailing_comma", "output a,", "expected output name after ',', found end of line", 10},
    {"output_no_comma", "output a b",
     "expected ',' or end of line after output name, found identifier 'b'", 10},
    {"long_token_quoted", "c = f(x abcdefghijklmnopqrstuvwxyz0123456789)",
     "expected ')' or ',' after argument, found identifier 'abcdefghijklmnopqrstuvwxyz012345...'",
     9},
};

INSTANTIATE_TEST_SUITE_P(Parser, SyntaxErrorTest, testing::ValuesIn(kSyntaxCases),
                         [](const testing::TestParamInfo<SyntaxCase> &caseInfo) {
                           return std::string(caseInfo.param.name);
                         });

TEST(ParserErrorTest, EveryBadLineReportedOnce) {
  Parsed p("network n\n"
           "a = f(x,, y)\n"
           "b = g(\n"
           "good = relu(x)\n"
           "c == h(x)) ) )\n"
           "output good\n");
  EXPECT_EQ(p.messages(),
            (Strings{"2:9: expected value, found ','", "3:7: expected value, found end of line",
                     "5:4: expected operator name after '=', found '='"}));
  EXPECT_EQ(p.module.outputs.size(), 1u);
}

TEST(ParserErrorTest, NoCascadeAfterLexicalError) {
  Parsed p("network n\nc = conv2d(x, k=@, s=)) $ (\noutput c\n");
  EXPECT_EQ(p.messages(), Strings{"2:17: unexpected character '@'"});
  ASSERT_EQ(p.module.layers.size(), 1u);
  EXPECT_TRUE(p.module.layers[0].malformed);
}

TEST(ParserErrorTest, NoCascadeAfterLexicalErrorInLookahead) {
  Parsed p("network n\nc @ d\nnetwork $\noutput 3x\n");
  EXPECT_EQ(p.messages(), (Strings{"2:3: unexpected character '@'", "3:9: unexpected character '$'",
                                   "4:8: invalid number literal '3x'"}));
}

TEST(ParserErrorTest, MalformedLayerKeepsItsName) {
  Parsed p("network n\nc = conv2d(x, k=(1, 2\nd = relu(c)\n");
  ASSERT_EQ(p.messages().size(), 1u);
  ASSERT_EQ(p.module.layers.size(), 2u);
  const LayerStmt &c = p.module.layers[0];
  EXPECT_EQ(c.name, "c");
  EXPECT_TRUE(c.malformed);
  EXPECT_EQ(c.op, "conv2d");
  ASSERT_EQ(c.args.size(), 1u); // the complete arguments before the error
  EXPECT_FALSE(p.module.layers[1].malformed);
  ASSERT_EQ(p.module.order.size(), 3u);
  EXPECT_EQ(p.module.order[1].kind, Module::StmtKind::Layer);
}

TEST(ParserErrorTest, ErrorBeforeEqualRecordsNothing) {
  Parsed p("network n\nc relu(x)\n");
  EXPECT_TRUE(p.module.layers.empty());
  EXPECT_EQ(p.module.order.size(), 1u);
}

TEST(ParserErrorTest, TuplesNestedTooDeeply) {
  std::string text = "network n\nx = f(k=" + std::string(17, '(') + "1" + std::string(17, ')') +
                     ")\n" + "y = f(" + std::string(100000, '(') + "\n";
  Parsed p(text);
  EXPECT_EQ(p.messages(),
            (Strings{"2:25: tuples nested too deeply", "3:23: tuples nested too deeply"}));
}

TEST(ParserErrorTest, NetworkMustComeFirst) {
  Parsed p("# header\n\ninput x: f32[1]\nb = relu(x)\nnetwork n\n");
  EXPECT_EQ(p.messages(), Strings{"3:1: expected 'network NAME' as the first statement"});
  EXPECT_EQ(p.module.inputs.size(), 1u);
  EXPECT_EQ(p.module.networks.size(), 1u);
}

TEST(ParserErrorTest, LayerFirstIsReportedAtItsName) {
  Parsed p("  b = relu(x)\n");
  EXPECT_EQ(p.messages(), Strings{"1:3: expected 'network NAME' as the first statement"});
}

TEST(ParserErrorTest, DuplicateNetwork) {
  Parsed p("network a\noutput x\n  network b\n");
  EXPECT_EQ(p.messages(), (Strings{"3:3: duplicate network declaration",
                                   "1:1: note: previous declaration is here"}));
  EXPECT_EQ(p.module.networks.size(), 2u);
  EXPECT_EQ(p.diags.errorCount(), 1u);
}

TEST(ParserErrorTest, NoStatementsAtAll) {
  for (const char *text : {"", "\n\n", "# only a comment", "  \t \r\n# x\n"}) {
    Parsed p(text);
    EXPECT_EQ(p.messages(), Strings{"1:1: expected 'network NAME' as the first statement"}) << text;
    const Diagnostic &d = p.diags.diagnostics()[0];
    EXPECT_EQ(d.loc.length, 1u);
  }
}

TEST(ParserErrorTest, JunkOnlyFileHasOnlyItsOwnErrors) {
  Parsed p(") (\n");
  EXPECT_EQ(p.messages(), Strings{"1:1: expected statement, found ')'"});
}

TEST(ParserErrorTest, MissingNetworkNameStillCountsAsFirst) {
  Parsed p("network\ninput x: f32[1]\n");
  EXPECT_EQ(p.messages(), Strings{"1:8: expected network name after 'network', found end of line"});
}

} // namespace
} // namespace cnnc::dsl
