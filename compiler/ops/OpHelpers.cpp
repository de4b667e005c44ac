// Checks shared by operator definitions.
#include "compiler/ops/OpHelpers.h"

namespace cnnc::ops {

using namespace ir;

std::string rankName(size_t rank) {
  if (rank == 4)
    return "4-D input [N, C, H, W]";
  if (rank == 2)
    return "2-D input [N, F]";
  return std::to_string(rank) + "-D input";
}

bool requireRank(const ShapeContext &context, size_t index, std::initializer_list<size_t> ranks) {
  const Shape &shape = context.inputs[index];
  for (size_t rank : ranks)
    if (shape.size() == rank)
      return true;
  std::string expected;
  for (size_t rank : ranks)
    expected += (expected.empty() ? "" : " or ") + rankName(rank);
  context.diags.error(context.node.opLoc, context.node.op->name + " expects a " + expected +
                                              ", found " + formatShape(shape));
  return false;
}

int64_t numel(const Shape &shape) { return elementCount(shape).value_or(0); }

namespace {
bool checkOneSide(const ShapeContext &context, PadMode mode, int64_t pad, int64_t size,
                  const char *dimName) {
  if (mode == PadMode::Reflect && pad >= size) {
    context.diags.error(context.node.attrLoc("padding"),
                        "reflect padding " + std::to_string(pad) + " must be less than input " +
                            dimName + " " + std::to_string(size));
    return false;
  }
  if (mode == PadMode::Circular && pad > size) {
    context.diags.error(context.node.attrLoc("padding"),
                        "circular padding " + std::to_string(pad) + " must be at most input " +
                            dimName + " " + std::to_string(size));
    return false;
  }
  return true;
}
} // namespace

bool checkPaddingFits(const ShapeContext &context, PadMode mode, const Pad4 &padding,
                      int64_t height, int64_t width) {
  return checkOneSide(context, mode, std::max(padding.left, padding.right), width, "width") &&
         checkOneSide(context, mode, std::max(padding.top, padding.bottom), height, "height");
}

} // namespace cnnc::ops
