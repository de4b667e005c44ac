// Small checks and loops that several operator definitions share.
#pragma once

#include "compiler/ir/AttrReader.h"
#include "compiler/ir/OpDef.h"
#include "compiler/ir/RefTensor.h"

#include <initializer_list>
#include <string>

namespace cnnc::ops {

/// Checks that operand `index` has one of `ranks`; reports at the operator otherwise.
bool requireRank(const ir::ShapeContext &context, size_t index, std::initializer_list<size_t> ranks);

/// "4-D [N, C, H, W]" / "2-D [N, F]" for messages.
std::string rankName(size_t rank);

/// Number of elements of a shape known to fit (checked at shape inference).
int64_t numel(const ir::Shape &shape);

/// Reports "padding P must be less than input height H" style limits of reflect
/// (pad < size) and circular (pad <= size) padding, at the `padding` attribute.
bool checkPaddingFits(const ir::ShapeContext &context, ir::PadMode mode, const ir::Pad4 &padding,
                      int64_t height, int64_t width);

/// Applies f to every element (element-wise operators).
template <typename F> void mapElements(const ir::RefContext &context, F f) {
  const ir::RefTensor &in = *context.inputs[0];
  context.output.data.resize(in.data.size());
  for (size_t i = 0; i < in.data.size(); ++i)
    context.output.data[i] = f(in.data[i]);
}

} // namespace cnnc::ops
