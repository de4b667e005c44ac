// The rendered form of diagnostics, byte for byte: header, source line, caret and tildes.
#include "dsl/Diagnostic.h"

#include <gtest/gtest.h>
#include <string>

namespace cnnc::dsl {
namespace {

SourceLocation at(uint32_t line, uint32_t column, uint32_t length = 1) {
  SourceLocation loc;
  loc.line = line;
  loc.column = column;
  loc.length = length;
  return loc;
}

/// Renders one error at `loc` in a file with `text`.
std::string renderError(const std::string &text, SourceLocation loc,
                        const std::string &message = "oops") {
  SourceFile file("net.cnn", text);
  DiagnosticEngine diags(&file);
  diags.error(loc, message);
  return diags.render(diags.diagnostics()[0]);
}

TEST(DiagnosticTest, CaretUnderTheColumn) {
  EXPECT_EQ(renderError("network n\ninput x: f32[1]\nc = conv2d(x, k=@)\n", at(3, 17),
                        "unexpected character '@'"),
            "net.cnn:3:17: error: unexpected character '@'\n"
            "c = conv2d(x, k=@)\n"
            "                ^\n");
}

TEST(DiagnosticTest, TildesUnderTheRestOfTheLength) {
  EXPECT_EQ(renderError("pool1 = max_pool2d(relu2, kernel_size=3, padding=2)\n", at(1, 42, 9)),
            "net.cnn:1:42: error: oops\n"
            "pool1 = max_pool2d(relu2, kernel_size=3, padding=2)\n"
            "                                         ^~~~~~~~~\n");
}

TEST(DiagnosticTest, TildesClippedAtEndOfLine) {
  EXPECT_EQ(renderError("abc def\nnext", at(1, 5, 100)),
            "net.cnn:1:5: error: oops\nabc def\n    ^~~\n");
}

TEST(DiagnosticTest, CaretOnePastTheEnd) {
  EXPECT_EQ(renderError("c = f(x\r\n", at(1, 8)), "net.cnn:1:8: error: oops\nc = f(x\n       ^\n");
  // A column beyond that is clamped for the caret, not for the header.
  EXPECT_EQ(renderError("abc", at(1, 9)), "net.cnn:1:9: error: oops\nabc\n   ^\n");
}

TEST(DiagnosticTest, TabsAreCopiedSoTheCaretAligns) {
  EXPECT_EQ(renderError("\tc =\tf(@)\n", at(1, 8)),
            "net.cnn:1:8: error: oops\n\tc =\tf(@)\n\t   \t  ^\n");
}

TEST(DiagnosticTest, BinaryBytesAreShownAsQuestionMarks) {
  std::string line("a\0b\x1b[31m\xff\xc3\xa9@", 12);
  EXPECT_EQ(renderError(line + "\n", at(1, 12)),
            "net.cnn:1:12: error: oops\na?b?[31m???@\n           ^\n");
}

TEST(DiagnosticTest, LongLineIsWindowedAroundTheCaret) {
  std::string line = std::string(300, 'a') + "@" + std::string(299, 'b');
  std::string expected = "net.cnn:1:301: error: oops\n..." + std::string(100, 'a') + "@" +
                         std::string(99, 'b') + "...\n" + std::string(103, ' ') + "^~~\n";
  EXPECT_EQ(renderError(line, at(1, 301, 3)), expected);
}

TEST(DiagnosticTest, LongLineCaretNearTheStart) {
  std::string line = "x" + std::string(250, 'a');
  std::string expected = "net.cnn:1:2: error: oops\n" + line.substr(0, 200) + "...\n" + " ^" +
                         std::string(198, '~') + "\n";
  EXPECT_EQ(renderError(line, at(1, 2, 1000)), expected);
}

TEST(DiagnosticTest, LongLineCaretAtTheEnd) {
  std::string line(250, 'a');
  std::string expected = "net.cnn:1:251: error: oops\n..." + std::string(200, 'a') + "\n" +
                         std::string(203, ' ') + "^\n";
  EXPECT_EQ(renderError(line, at(1, 251)), expected);
}

TEST(DiagnosticTest, LineOfExactly200BytesIsNotCut) {
  std::string line(200, 'a');
  EXPECT_EQ(renderError(line, at(1, 200)),
            "net.cnn:1:200: error: oops\n" + line + "\n" + std::string(199, ' ') + "^\n");
}

TEST(DiagnosticTest, WithoutLocationOrFile) {
  SourceFile file("net.cnn", "x\n");
  DiagnosticEngine withFile(&file);
  withFile.warning(SourceLocation(), "layer 'x' reaches no output");
  EXPECT_EQ(withFile.renderAll(), "net.cnn: warning: layer 'x' reaches no output\n");

  DiagnosticEngine noFile(nullptr);
  noFile.error(at(3, 4), "cannot open 'x.cnn'");
  EXPECT_EQ(noFile.renderAll(), "cnnc: error: cannot open 'x.cnn'\n");
}

TEST(DiagnosticTest, EmptyOrMissingLineShowsOnlyTheHeader) {
  EXPECT_EQ(renderError("", at(1, 1)), "net.cnn:1:1: error: oops\n");
  EXPECT_EQ(renderError("a\n", at(7, 1)), "net.cnn:7:1: error: oops\n");
}

TEST(DiagnosticTest, CountsAndOrder) {
  SourceFile file("net.cnn", "network a\nnetwork b\n");
  DiagnosticEngine diags(&file);
  EXPECT_FALSE(diags.hasErrors());
  diags.error(at(2, 1, 7), "duplicate network declaration");
  diags.note(at(1, 1, 7), "previous declaration is here");
  diags.warning(at(2, 9), "w");
  EXPECT_EQ(diags.errorCount(), 1u);
  EXPECT_EQ(diags.renderAll(), "net.cnn:2:1: error: duplicate network declaration\n"
                               "network b\n"
                               "^~~~~~~\n"
                               "net.cnn:1:1: note: previous declaration is here\n"
                               "network a\n"
                               "^~~~~~~\n"
                               "net.cnn:2:9: warning: w\n"
                               "network b\n"
                               "        ^\n");
}

} // namespace
} // namespace cnnc::dsl
