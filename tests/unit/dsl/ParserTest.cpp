// The AST of well-formed files, with a location on every node.
#include "dsl/Parser.h"

#include <gtest/gtest.h>
#include <string>

namespace cnnc::dsl {
namespace {

struct Parsed {
  explicit Parsed(std::string text)
      : file("net.cnn", std::move(text)), diags(&file), module(parseModule(file, diags)) {}
  SourceFile file;
  DiagnosticEngine diags;
  Module module;
};

void expectLoc(SourceLocation loc, uint32_t line, uint32_t column, uint32_t length) {
  EXPECT_EQ(loc.line, line);
  EXPECT_EQ(loc.column, column);
  EXPECT_EQ(loc.length, length);
}

const char *const kVggBlock = R"(# vgg_block.cnn
network vgg_block

input image: f32[1, 3, 224, 224]

conv1 = conv2d(image, out_channels=64, kernel_size=3, padding=1)
padr  = pad(conv1, 1, mode=reflect)
pool1 = max_pool2d(padr, kernel_size=(2, 3), ceil_mode=true, eps=-1.5e-3)
output pool1, conv1
)";

TEST(ParserTest, SpecExample) {
  Parsed p(kVggBlock);
  ASSERT_FALSE(p.diags.hasErrors()) << p.diags.renderAll();
  const Module &m = p.module;

  ASSERT_EQ(m.networks.size(), 1u);
  EXPECT_EQ(m.networks[0].name, "vgg_block");
  expectLoc(m.networks[0].keywordLoc, 2, 1, 7);
  expectLoc(m.networks[0].nameLoc, 2, 9, 9);

  ASSERT_EQ(m.inputs.size(), 1u);
  const InputDecl &in = m.inputs[0];
  EXPECT_EQ(in.name, "image");
  expectLoc(in.nameLoc, 4, 7, 5);
  EXPECT_EQ(in.elementType, "f32");
  expectLoc(in.elementTypeLoc, 4, 14, 3);
  EXPECT_EQ(in.dims, (std::vector<int64_t>{1, 3, 224, 224}));
  ASSERT_EQ(in.dimLocs.size(), 4u);
  expectLoc(in.dimLocs[0], 4, 18, 1);
  expectLoc(in.dimLocs[3], 4, 29, 3);
  expectLoc(in.shapeLoc, 4, 17, 16);

  ASSERT_EQ(m.layers.size(), 3u);
  ASSERT_EQ(m.outputs.size(), 1u);
  EXPECT_EQ(m.outputs[0].names, (std::vector<std::string>{"pool1", "conv1"}));
  expectLoc(m.outputs[0].keywordLoc, 9, 1, 6);
  expectLoc(m.outputs[0].nameLocs[1], 9, 15, 5);
}

TEST(ParserTest, LayerArgumentsAndLocations) {
  Parsed p(kVggBlock);
  const LayerStmt &conv = p.module.layers[0];
  EXPECT_EQ(conv.name, "conv1");
  expectLoc(conv.nameLoc, 6, 1, 5);
  EXPECT_EQ(conv.op, "conv2d");
  expectLoc(conv.opLoc, 6, 9, 6);
  EXPECT_FALSE(conv.malformed);
  ASSERT_EQ(conv.args.size(), 4u);
  EXPECT_FALSE(conv.args[0].key);
  EXPECT_EQ(conv.args[0].value.kind, Value::Kind::Identifier);
  EXPECT_EQ(conv.args[0].value.identifier, "image");
  expectLoc(conv.args[0].value.loc, 6, 16, 5);
  EXPECT_EQ(conv.args[1].key, "out_channels");
  expectLoc(conv.args[1].keyLoc, 6, 23, 12);
  EXPECT_EQ(conv.args[1].value.kind, Value::Kind::Int);
  EXPECT_EQ(conv.args[1].value.intValue, 64);
  expectLoc(conv.args[1].value.loc, 6, 36, 2);

  const LayerStmt &pad = p.module.layers[1];
  ASSERT_EQ(pad.args.size(), 3u);
  EXPECT_EQ(pad.args[1].value.intValue, 1);
  EXPECT_FALSE(pad.args[1].key);
  EXPECT_EQ(pad.args[2].value.identifier, "reflect");
}

TEST(ParserTest, TupleBoolAndFloatValues) {
  Parsed p(kVggBlock);
  const LayerStmt &pool = p.module.layers[2];
  ASSERT_EQ(pool.args.size(), 4u);
  const Value &kernel = pool.args[1].value;
  ASSERT_EQ(kernel.kind, Value::Kind::Tuple);
  expectLoc(kernel.loc, 8, 38, 6);
  ASSERT_EQ(kernel.elements.size(), 2u);
  EXPECT_EQ(kernel.elements[0].intValue, 2);
  expectLoc(kernel.elements[0].loc, 8, 39, 1);
  EXPECT_EQ(kernel.elements[1].intValue, 3);
  expectLoc(kernel.elements[1].loc, 8, 42, 1);
  EXPECT_EQ(pool.args[2].value.kind, Value::Kind::Bool);
  EXPECT_TRUE(pool.args[2].value.boolValue);
  expectLoc(pool.args[2].value.loc, 8, 56, 4);
  EXPECT_EQ(pool.args[3].value.kind, Value::Kind::Float);
  EXPECT_DOUBLE_EQ(pool.args[3].value.floatValue, -1.5e-3);
  expectLoc(pool.args[3].value.loc, 8, 66, 7);
}

TEST(ParserTest, OrderRecordsTheInterleaving) {
  Parsed p("network n\ninput a: f32[1]\nb = relu(a)\ninput c: f32[2]\noutput b\n");
  ASSERT_FALSE(p.diags.hasErrors()) << p.diags.renderAll();
  using S = Module::StmtKind;
  const auto &order = p.module.order;
  ASSERT_EQ(order.size(), 5u);
  EXPECT_EQ(order[0].kind, S::Network);
  EXPECT_EQ(order[1].kind, S::Input);
  EXPECT_EQ(order[1].index, 0u);
  EXPECT_EQ(order[2].kind, S::Layer);
  EXPECT_EQ(order[3].kind, S::Input);
  EXPECT_EQ(order[3].index, 1u);
  EXPECT_EQ(order[4].kind, S::Output);
}

TEST(ParserTest, KeywordsFollowedByEqualAreLayerNames) {
  Parsed p(
      "network network\ninput = relu(x)\noutput = relu(input)\nnetwork2 = f()\noutput output\n");
  ASSERT_FALSE(p.diags.hasErrors()) << p.diags.renderAll();
  ASSERT_EQ(p.module.layers.size(), 3u);
  EXPECT_EQ(p.module.layers[0].name, "input");
  EXPECT_EQ(p.module.layers[1].name, "output");
  EXPECT_TRUE(p.module.layers[2].args.empty());
  EXPECT_EQ(p.module.networks[0].name, "network");
  EXPECT_EQ(p.module.outputs[0].names[0], "output");
}

TEST(ParserTest, NestedTuplesAndNegativeValues) {
  Parsed p("network n\nx = f(a, k=((1, -2), (3.5, false)), -7)\n");
  ASSERT_FALSE(p.diags.hasErrors()) << p.diags.renderAll();
  const LayerStmt &x = p.module.layers[0];
  ASSERT_EQ(x.args.size(), 3u);
  const Value &k = x.args[1].value;
  ASSERT_EQ(k.elements.size(), 2u);
  EXPECT_EQ(k.elements[0].elements[1].intValue, -2);
  expectLoc(k.elements[0].elements[1].loc, 2, 17, 2);
  expectLoc(k.elements[1].loc, 2, 22, 12);
  EXPECT_EQ(k.elements[1].elements[1].kind, Value::Kind::Bool);
  EXPECT_FALSE(k.elements[1].elements[1].boolValue);
  EXPECT_EQ(x.args[2].value.intValue, -7);
}

TEST(ParserTest, CommentsBlankLinesCrLfAndNoFinalNewline) {
  Parsed p("\r\n# c\r\nnetwork n # name\r\n\r\n  input x: f32[1]  \r\noutput x");
  ASSERT_FALSE(p.diags.hasErrors()) << p.diags.renderAll();
  EXPECT_EQ(p.module.networks[0].nameLoc.line, 3u);
  expectLoc(p.module.inputs[0].nameLoc, 5, 9, 1);
  EXPECT_EQ(p.module.outputs[0].names[0], "x");
}

TEST(ParserTest, ElementTypeIsNotCheckedHere) {
  Parsed p("network n\ninput x: i8[1, -1]\n");
  EXPECT_FALSE(p.diags.hasErrors()) << p.diags.renderAll();
  EXPECT_EQ(p.module.inputs[0].elementType, "i8");
  EXPECT_EQ(p.module.inputs[0].dims, (std::vector<int64_t>{1, -1}));
}

TEST(ParserTest, SixteenNestedTuplesAreFine) {
  std::string text =
      "network n\nx = f(k=" + std::string(16, '(') + "1" + std::string(16, ')') + ")\n";
  Parsed p(text);
  EXPECT_FALSE(p.diags.hasErrors()) << p.diags.renderAll();
}

} // namespace
} // namespace cnnc::dsl
