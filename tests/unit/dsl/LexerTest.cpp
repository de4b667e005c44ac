// Token kinds, values and locations, and every lexical error with its message and place.
#include "dsl/Lexer.h"

#include <gtest/gtest.h>
#include <string>
#include <vector>

namespace cnnc::dsl {
namespace {

/// Lexes `text` to EndOfFile; the file and engine outlive the tokens.
struct Lexed {
  explicit Lexed(std::string text) : file("t.cnn", std::move(text)), diags(&file) {
    Lexer lexer(file, diags);
    for (;;) {
      tokens.push_back(lexer.next());
      if (tokens.back().kind == TokenKind::EndOfFile)
        break;
    }
  }
  std::vector<TokenKind> kinds() const {
    std::vector<TokenKind> result;
    for (const Token &token : tokens)
      result.push_back(token.kind);
    return result;
  }
  SourceFile file;
  DiagnosticEngine diags;
  std::vector<Token> tokens;
};

using K = TokenKind;

void expectLoc(const Token &token, uint32_t line, uint32_t column, uint32_t length) {
  EXPECT_EQ(token.loc.line, line) << token.text;
  EXPECT_EQ(token.loc.column, column) << token.text;
  EXPECT_EQ(token.loc.length, length) << token.text;
}

TEST(LexerTest, KindsOfAStatement) {
  Lexed lexed("input image: f32[1, 3]\n");
  EXPECT_EQ(lexed.kinds(),
            (std::vector<K>{K::Identifier, K::Identifier, K::Colon, K::Identifier, K::LBracket,
                            K::Int, K::Comma, K::Int, K::RBracket, K::Newline, K::EndOfFile}));
  EXPECT_FALSE(lexed.diags.hasErrors());
  expectLoc(lexed.tokens[1], 1, 7, 5);  // image
  expectLoc(lexed.tokens[3], 1, 14, 3); // f32
  expectLoc(lexed.tokens[7], 1, 21, 1); // 3
  expectLoc(lexed.tokens[9], 1, 23, 1); // newline: one past the last character
  EXPECT_EQ(lexed.tokens[7].intValue, 3);
}

TEST(LexerTest, PunctuationAndLayer) {
  Lexed lexed("c = f(x, k=(1, 2))");
  EXPECT_EQ(lexed.kinds(),
            (std::vector<K>{K::Identifier, K::Equal, K::Identifier, K::LParen, K::Identifier,
                            K::Comma, K::Identifier, K::Equal, K::LParen, K::Int, K::Comma, K::Int,
                            K::RParen, K::RParen, K::Newline, K::EndOfFile}));
}

TEST(LexerTest, NewlineColumnCountsTheComment) {
  Lexed lexed("a = relu(b)  # a comment\n\nx");
  ASSERT_EQ(lexed.kinds(), (std::vector<K>{K::Identifier, K::Equal, K::Identifier, K::LParen,
                                           K::Identifier, K::RParen, K::Newline, K::Newline,
                                           K::Identifier, K::Newline, K::EndOfFile}));
  expectLoc(lexed.tokens[6], 1, 25, 1);
  expectLoc(lexed.tokens[7], 2, 1, 1);
  expectLoc(lexed.tokens[8], 3, 1, 1);
  expectLoc(lexed.tokens[9], 3, 2, 1); // synthetic: the file has no final newline
}

TEST(LexerTest, CrLfIsOneNewline) {
  Lexed lexed("ab\r\ncd # x\r\n");
  ASSERT_EQ(lexed.kinds(),
            (std::vector<K>{K::Identifier, K::Newline, K::Identifier, K::Newline, K::EndOfFile}));
  expectLoc(lexed.tokens[1], 1, 3, 1);
  EXPECT_EQ(lexed.tokens[1].text, "\r\n");
  expectLoc(lexed.tokens[2], 2, 1, 2);
  expectLoc(lexed.tokens[3], 2, 7, 1);
}

TEST(LexerTest, LoneCarriageReturnIsBlank) {
  Lexed lexed("a\rb\n");
  EXPECT_EQ(lexed.kinds(),
            (std::vector<K>{K::Identifier, K::Identifier, K::Newline, K::EndOfFile}));
  EXPECT_FALSE(lexed.diags.hasErrors());
}

TEST(LexerTest, EndOfFileRepeats) {
  SourceFile file("t.cnn", "");
  DiagnosticEngine diags(&file);
  Lexer lexer(file, diags);
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(lexer.next().kind, K::EndOfFile);
}

TEST(LexerTest, CommentOnlyLineHasNoTokensButItsNewline) {
  Lexed lexed("# just @ a \x01 comment\n");
  EXPECT_EQ(lexed.kinds(), (std::vector<K>{K::Newline, K::EndOfFile}));
  EXPECT_FALSE(lexed.diags.hasErrors());
}

struct NumberCase {
  const char *text;
  TokenKind kind;
  int64_t intValue;
  double floatValue;
};

TEST(LexerTest, Numbers) {
  const NumberCase cases[] = {
      {"0", K::Int, 0, 0},
      {"42", K::Int, 42, 0},
      {"-3", K::Int, -3, 0},
      {"9223372036854775807", K::Int, INT64_MAX, 0},
      {"-9223372036854775808", K::Int, INT64_MIN, 0},
      {"1.5", K::Float, 0, 1.5},
      {"1e-5", K::Float, 0, 1e-5},
      {"2.", K::Float, 0, 2.0},
      {".5", K::Float, 0, 0.5},
      {"-.5", K::Float, 0, -0.5},
      {"-1.5", K::Float, 0, -1.5},
      {"1.5e+3", K::Float, 0, 1500.0},
      {"3E2", K::Float, 0, 300.0},
      {"3.4028235e38", K::Float, 0, 3.4028235e38}, // rounds to FLT_MAX in f32
      {"1e-50", K::Float, 0, 1e-50},               // underflows to 0 in f32: fine
      {"1e-400", K::Float, 0, 0.0},                // underflows even in double
  };
  std::vector<NumberCase> longCases = {
      {"tiny_fraction", K::Float, 0, 0.0},
      {"huge_mantissa_tiny_exponent", K::Float, 0, 0.0},
  };
  std::string tinyFraction = "0." + std::string(400, '0') + "1";
  std::string hugeMantissa = "1" + std::string(400, '0') + "e-800";
  longCases[0].text = tinyFraction.c_str();
  longCases[1].text = hugeMantissa.c_str();
  for (const NumberCase &c : longCases) {
    Lexed lexed(c.text);
    EXPECT_EQ(lexed.tokens[0].kind, K::Float);
    EXPECT_EQ(lexed.tokens[0].floatValue, 0.0);
    EXPECT_FALSE(lexed.diags.hasErrors()) << lexed.diags.renderAll();
  }
  for (const NumberCase &c : cases) {
    Lexed lexed(c.text);
    ASSERT_EQ(lexed.tokens.size(), 3u) << c.text;
    const Token &token = lexed.tokens[0];
    EXPECT_EQ(token.kind, c.kind) << c.text;
    EXPECT_EQ(token.text, c.text);
    EXPECT_EQ(token.intValue, c.intValue) << c.text;
    EXPECT_DOUBLE_EQ(token.floatValue, c.floatValue) << c.text;
    EXPECT_FALSE(lexed.diags.hasErrors()) << c.text;
  }
}

TEST(LexerTest, NegativeNumberIsOneTokenWithItsMinus) {
  Lexed lexed("f(x, -2, value=-0.5)");
  ASSERT_EQ(lexed.tokens[4].kind, K::Int);
  EXPECT_EQ(lexed.tokens[4].intValue, -2);
  expectLoc(lexed.tokens[4], 1, 6, 2);
  ASSERT_EQ(lexed.tokens[8].kind, K::Float);
  EXPECT_DOUBLE_EQ(lexed.tokens[8].floatValue, -0.5);
  expectLoc(lexed.tokens[8], 1, 16, 4);
}

struct ErrorCase {
  std::string text;
  std::string message;
  uint32_t column;
  uint32_t length;
};

class LexerErrorTest : public testing::TestWithParam<ErrorCase> {};

TEST_P(LexerErrorTest, ReportsAtTheCharacterOrLiteral) {
  const ErrorCase &c = GetParam();
  Lexed lexed("x = " + c.text + " y");
  ASSERT_EQ(lexed.diags.diagnostics().size(), 1u) << lexed.diags.renderAll();
  const Diagnostic &d = lexed.diags.diagnostics()[0];
  EXPECT_EQ(d.severity, Severity::Error);
  EXPECT_EQ(d.message, c.message);
  EXPECT_EQ(d.loc.line, 1u);
  EXPECT_EQ(d.loc.column, c.column + 4);
  EXPECT_EQ(d.loc.length, c.length);
  // The lexer carries on after the error: `y` is still seen.
  ASSERT_GE(lexed.tokens.size(), 4u);
  EXPECT_EQ(lexed.tokens[lexed.tokens.size() - 3].text, "y");
}

const std::string k25Digits = "1234567890123456789012345";
const std::string k40Digits = "1234567890123456789012345678901234567890";

INSTANTIATE_TEST_SUITE_P(
    Lexer, LexerErrorTest,
    testing::Values(
        ErrorCase{"@", "unexpected character '@'", 1, 1},
        ErrorCase{"-", "unexpected character '-'", 1, 1},
        ErrorCase{"-x", "unexpected character '-'", 1, 1},
        ErrorCase{".", "unexpected character '.'", 1, 1},
        ErrorCase{std::string(1, '\0'), "unexpected character '\\x00'", 1, 1},
        ErrorCase{"\x7f", "unexpected character '\\x7f'", 1, 1},
        ErrorCase{"\xff", "unexpected character '\\xff'", 1, 1},
        ErrorCase{"\f", "unexpected character '\\x0c'", 1, 1},
        ErrorCase{"3x", "invalid number literal '3x'", 1, 2},
        ErrorCase{"0x10", "invalid number literal '0x10'", 1, 4},
        ErrorCase{"1.2.3", "invalid number literal '1.2.3'", 1, 5},
        ErrorCase{"1e", "invalid number literal '1e'", 1, 2},
        ErrorCase{"2.x", "invalid number literal '2.x'", 1, 3},
        ErrorCase{"-4_", "invalid number literal '-4_'", 1, 3},
        ErrorCase{k25Digits, "integer literal '" + k25Digits + "' is out of range for int64", 1,
                  25},
        ErrorCase{"9223372036854775808",
                  "integer literal '9223372036854775808' is out of range for int64", 1, 19},
        ErrorCase{"-9223372036854775809",
                  "integer literal '-9223372036854775809' is out of range for int64", 1, 20},
        ErrorCase{k40Digits,
                  "integer literal '" + k40Digits.substr(0, 32) + "...' is out of range for int64",
                  1, 40},
        ErrorCase{"1e39", "float literal '1e39' is out of range for f32", 1, 4},
        ErrorCase{"-3.5e38", "float literal '-3.5e38' is out of range for f32", 1, 7},
        ErrorCase{"1e400", "float literal '1e400' is out of range for f32", 1, 5},
        ErrorCase{"0.001e400", "float literal '0.001e400' is out of range for f32", 1, 9},
        ErrorCase{"1e99999999999999999999",
                  "float literal '1e99999999999999999999' is out of range for f32", 1, 22},
        ErrorCase{"1" + std::string(400, '0') + ".0",
                  "float literal '1" + std::string(31, '0') + "...' is out of range for f32", 1,
                  403}));

TEST(LexerTest, ErrorLocationOnLaterLine) {
  Lexed lexed("network n\n\tc = f(x, k=$)\n");
  ASSERT_EQ(lexed.diags.diagnostics().size(), 1u);
  const Diagnostic &d = lexed.diags.diagnostics()[0];
  EXPECT_EQ(d.loc.line, 2u);
  EXPECT_EQ(d.loc.column, 13u);
}

TEST(LexerTest, SkipLineStopsAtTheNewline) {
  SourceFile file("t.cnn", "a @ b $\r\nc");
  DiagnosticEngine diags(&file);
  Lexer lexer(file, diags);
  EXPECT_EQ(lexer.next().kind, K::Identifier);
  lexer.skipLine();
  Token newline = lexer.next();
  EXPECT_EQ(newline.kind, K::Newline);
  EXPECT_EQ(newline.loc.column, 8u);
  EXPECT_EQ(lexer.next().text, "c");
  EXPECT_FALSE(diags.hasErrors());
}

TEST(LexerTest, DescribeTokens) {
  EXPECT_EQ(describe(K::Newline), "end of line");
  EXPECT_EQ(describe(K::RParen), "')'");
  Lexed lexed("relu 3 1.5 )");
  EXPECT_EQ(describe(lexed.tokens[0]), "identifier 'relu'");
  EXPECT_EQ(describe(lexed.tokens[1]), "integer '3'");
  EXPECT_EQ(describe(lexed.tokens[2]), "float '1.5'");
  EXPECT_EQ(describe(lexed.tokens[3]), "')'");
  EXPECT_EQ(describe(lexed.tokens[4]), "end of line");
}

} // namespace
} // namespace cnnc::dsl
