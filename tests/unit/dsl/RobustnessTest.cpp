// Hostile input: empty, binary, huge and random files must neither crash nor hang, and
// must produce a bounded number of diagnostics that all render.
#include "dsl/Lexer.h"
#include "dsl/Parser.h"

#include <gtest/gtest.h>
#include <map>
#include <random>
#include <string>

namespace cnnc::dsl {
namespace {

/// Parses `text` and renders every diagnostic; returns the engine's error count.
unsigned parseAndRender(const std::string &text, Module *moduleOut = nullptr) {
  SourceFile file("fuzz.cnn", text);
  DiagnosticEngine diags(&file);
  Module module = parseModule(file, diags);
  std::string rendered = diags.renderAll();
  EXPECT_FALSE(rendered.empty() && diags.hasErrors());
  if (moduleOut)
    *moduleOut = std::move(module);
  return diags.errorCount();
}

TEST(RobustnessTest, OnlyNulBytesIsOneError) {
  SourceFile file("nul.cnn", std::string(100000, '\0'));
  DiagnosticEngine diags(&file);
  parseModule(file, diags);
  ASSERT_EQ(diags.diagnostics().size(), 1u);
  EXPECT_EQ(diags.renderAll().substr(0, 52),
            "nul.cnn:1:1: error: unexpected character '\\x00'\n????");
}

TEST(RobustnessTest, MegabyteLine) {
  std::string line = "x = f(a";
  while (line.size() < (1u << 20))
    line += ", k=(1, 2.5), long_key_" + std::string(100, 'k') + "=" + std::string(100, 'v');
  Module module;
  EXPECT_EQ(parseAndRender("network n\n" + line + ")\noutput x\n", &module), 0u);
  ASSERT_EQ(module.layers.size(), 1u);
  EXPECT_GT(module.layers[0].args.size(), 8000u);
  // And the same line with an error at its end: the caret line is windowed.
  EXPECT_EQ(parseAndRender("network n\n" + line + " @\n"), 1u);
}

TEST(RobustnessTest, MegabyteIdentifierAndNumber) {
  // Longer than dsl::kMaxNameBytes: one error, at the name.
  EXPECT_EQ(parseAndRender("network " + std::string(1u << 20, 'n') + "\n"), 1u);
  EXPECT_EQ(parseAndRender("network n\nx = f(" + std::string(1u << 20, '7') + ")\n"), 1u);
  EXPECT_EQ(parseAndRender("network n\nx = f(0." + std::string(1u << 20, '7') + ")\n"), 0u);
}

TEST(RobustnessTest, DeepParenthesesDoNotRecurse) {
  EXPECT_EQ(parseAndRender("network n\nx = f(k=" + std::string(1u << 20, '(') + ")\n"), 1u);
  EXPECT_EQ(parseAndRender("network n\n" + std::string(1u << 20, '(') + "\n"), 1u);
}

TEST(RobustnessTest, ManyLinesOfErrorsAreOnePerLine) {
  std::string text = "network n\n";
  for (int i = 0; i < 1000; ++i)
    text += "a = f(,)\n";
  EXPECT_EQ(parseAndRender(text), 1000u);
}

/// Random files, half built from the language's own characters so that the parser
/// gets past the first token, half raw bytes.
std::string randomSource(std::mt19937 &rng) {
  static const char kChars[] = "abnetworkinpu_01239.-+eE=,:()[]# \t\r\n\n\n@\0\xff";
  static const std::string kAlphabet(kChars, sizeof kChars - 1); // keep the NUL
  std::uniform_int_distribution<int> length(0, 300);
  std::uniform_int_distribution<int> pick(0, static_cast<int>(kAlphabet.size()) - 1);
  std::uniform_int_distribution<int> byte(0, 255);
  bool raw = rng() % 2 == 0;
  std::string text = rng() % 4 == 0 ? "network n\n" : "";
  for (int i = length(rng); i > 0; --i)
    text += raw ? static_cast<char>(byte(rng)) : kAlphabet[pick(rng)];
  return text;
}

TEST(RobustnessTest, RandomInputs) {
  std::mt19937 rng(20240611);
  for (int i = 0; i < 2000; ++i) {
    std::string text = randomSource(rng);
    SourceFile file("fuzz.cnn", text);
    DiagnosticEngine diags(&file);
    Module module = parseModule(file, diags);
    (void)diags.renderAll();
    // At most two errors on a line (a lexical or syntax error, plus the one-off
    // "network first" error); notes only for duplicate networks.
    std::map<uint32_t, int> errorsPerLine;
    for (const Diagnostic &d : diags.diagnostics()) {
      ASSERT_TRUE(d.loc.isValid()) << d.message;
      ASSERT_LE(d.loc.line, file.lineCount()) << d.message;
      if (d.severity == Severity::Error) {
        ASSERT_LE(++errorsPerLine[d.loc.line], 2) << "input " << i << ": " << d.message;
      }
    }
    ASSERT_EQ(module.order.size(), module.networks.size() + module.inputs.size() +
                                       module.layers.size() + module.outputs.size());
  }
}

TEST(RobustnessTest, RandomLexing) {
  std::mt19937 rng(7);
  for (int i = 0; i < 500; ++i) {
    std::string text = randomSource(rng);
    SourceFile file("fuzz.cnn", text);
    DiagnosticEngine diags(&file);
    Lexer lexer(file, diags);
    size_t count = 0;
    while (lexer.next().kind != TokenKind::EndOfFile)
      ASSERT_LE(++count, text.size() + 1) << "the lexer must make progress";
  }
}

} // namespace
} // namespace cnnc::dsl
