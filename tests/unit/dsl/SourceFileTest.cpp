// Line indexing and loading of source files.
#include "dsl/SourceFile.h"

#include <cstdio>
#include <fstream>
#include <gtest/gtest.h>
#include <string>
#include <unistd.h>

namespace cnnc::dsl {
namespace {

TEST(SourceFileTest, LinesWithAndWithoutFinalNewline) {
  SourceFile a("a", "one\ntwo\n");
  EXPECT_EQ(a.lineCount(), 2u);
  EXPECT_EQ(a.lineText(1), "one");
  EXPECT_EQ(a.lineText(2), "two");
  EXPECT_EQ(a.lineText(3), "");
  EXPECT_EQ(a.lineText(0), "");

  SourceFile b("b", "one\n\nthree");
  EXPECT_EQ(b.lineCount(), 3u);
  EXPECT_EQ(b.lineText(2), "");
  EXPECT_EQ(b.lineText(3), "three");
}

TEST(SourceFileTest, EmptyFileHasOneEmptyLine) {
  SourceFile file("e", "");
  EXPECT_EQ(file.lineCount(), 1u);
  EXPECT_EQ(file.lineText(1), "");
}

TEST(SourceFileTest, CrLfIsNotPartOfTheLine) {
  SourceFile file("c", "a\r\nb\rc\r\nd\r");
  EXPECT_EQ(file.lineCount(), 3u);
  EXPECT_EQ(file.lineText(1), "a");
  EXPECT_EQ(file.lineText(2), "b\rc");
  EXPECT_EQ(file.lineText(3), "d\r");
}

TEST(SourceFileTest, LoadMissingFile) {
  std::string error;
  EXPECT_FALSE(SourceFile::load("/nonexistent/x.cnn", error));
  EXPECT_EQ(error, "cannot open '/nonexistent/x.cnn': No such file or directory");
}

TEST(SourceFileTest, LoadDirectory) {
  std::string error;
  EXPECT_FALSE(SourceFile::load("/", error));
  EXPECT_EQ(error, "cannot read '/': Is a directory");
}

TEST(SourceFileTest, LoadRoundTrips) {
  std::string path = testing::TempDir() + "cnnc_source_" + std::to_string(getpid()) + ".cnn";
  std::string text("network n\n\0binary\xff", 18);
  std::ofstream(path, std::ios::binary) << text;
  std::string error;
  std::optional<SourceFile> file = SourceFile::load(path, error);
  std::remove(path.c_str());
  ASSERT_TRUE(file) << error;
  EXPECT_EQ(file->name(), path);
  EXPECT_EQ(file->text(), text);
}

} // namespace
} // namespace cnnc::dsl
