// Every operator is complete: attributes documented, shape rule, reference, cost, and
// at least one golden error file and one correctness fixture that use it.
#include "compiler/ir/OpRegistry.h"

#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <sstream>

namespace {

namespace fs = std::filesystem;

bool someFileMentions(const fs::path &dir, const std::string &extension, const std::string &op) {
  if (!fs::exists(dir))
    return false;
  for (const fs::directory_entry &entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() != extension)
      continue;
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    if (text.str().find(" " + op + "(") != std::string::npos)
      return true;
  }
  return false;
}

TEST(OpRegistry, EveryOperatorIsComplete) {
  for (const cnnc::ir::OpDef &op : cnnc::ir::OpRegistry::builtin().all()) {
    SCOPED_TRACE(op.name);
    EXPECT_FALSE(op.summary.empty());
    EXPECT_FALSE(op.torchEquivalent.empty());
    EXPECT_NE(op.buildAttrs, nullptr);
    EXPECT_NE(op.inferShape, nullptr);
    EXPECT_NE(op.reference, nullptr);
    EXPECT_NE(op.flops, nullptr);
    EXPECT_TRUE(someFileMentions(CNNC_SOURCE_DIR "/tests/correctness/fixtures", ".cnn", op.name))
        << "no correctness fixture uses " << op.name;
  }
}

TEST(OpRegistry, NamesAreUnique) {
  const auto &ops = cnnc::ir::OpRegistry::builtin().all();
  for (size_t i = 0; i < ops.size(); ++i)
    for (size_t j = i + 1; j < ops.size(); ++j)
      EXPECT_NE(ops[i].name, ops[j].name);
}

} // namespace
