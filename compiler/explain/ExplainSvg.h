// `cnnc explain --svg`: a picture of where the border effects are. Top: for one output
// position of one layer, each earlier tensor it depends on, with the region it depends
// on drawn over the tensor and the part of that region in padding marked. Bottom:
// spatial size, receptive field and border share through depth.
#pragma once

#include "compiler/explain/Explanation.h"
#include "compiler/ir/WindowGeometry.h"

#include <string>

namespace cnnc::explain {

std::string explanationSvg(const ir::Graph &graph, const NetworkExplanation &explanation,
                           ir::NodeId target, int64_t y, int64_t x);

/// The share of a region (virtual coordinates) outside a tensor of height x width.
double regionPaddingShare(const ir::Span &rows, const ir::Span &cols, int64_t height,
                          int64_t width);

} // namespace cnnc::explain
