// The ONNX operators cnnc converts, one function each, looked up by op_type. A
// converter reads its node through the ConvertContext, adds the layers it needs (or
// defines its outputs as constants or as aliases of existing tensors) and returns
// true; on anything it cannot convert exactly it reports why and returns false.
#pragma once

#include "compiler/import/onnx/ConvertContext.h"

#include <map>
#include <string>

namespace cnnc::onnximport {

using ConvertFn = bool (*)(ConvertContext &ctx, const onnx::NodeProto &node);

/// op_type -> converter, for the default domain at opsets kMinOpset..kMaxOpset.
const std::map<std::string, ConvertFn> &converterTable();

// One declaration per file that defines converters; converterTable() lists them all.
bool convertConv(ConvertContext &ctx, const onnx::NodeProto &node);
bool convertPad(ConvertContext &ctx, const onnx::NodeProto &node);
bool convertMaxPool(ConvertContext &ctx, const onnx::NodeProto &node);
bool convertAveragePool(ConvertContext &ctx, const onnx::NodeProto &node);
bool convertGlobalAveragePool(ConvertContext &ctx, const onnx::NodeProto &node);
bool convertGlobalMaxPool(ConvertContext &ctx, const onnx::NodeProto &node);
bool convertBatchNormalization(ConvertContext &ctx, const onnx::NodeProto &node);
bool convertRelu(ConvertContext &ctx, const onnx::NodeProto &node);
bool convertClip(ConvertContext &ctx, const onnx::NodeProto &node);
bool convertLeakyRelu(ConvertContext &ctx, const onnx::NodeProto &node);
bool convertSigmoid(ConvertContext &ctx, const onnx::NodeProto &node);
bool convertTanh(ConvertContext &ctx, const onnx::NodeProto &node);
bool convertSoftmax(ConvertContext &ctx, const onnx::NodeProto &node);
bool convertAdd(ConvertContext &ctx, const onnx::NodeProto &node);
bool convertConcat(ConvertContext &ctx, const onnx::NodeProto &node);
bool convertFlatten(ConvertContext &ctx, const onnx::NodeProto &node);
bool convertReshape(ConvertContext &ctx, const onnx::NodeProto &node);
bool convertIdentity(ConvertContext &ctx, const onnx::NodeProto &node);
bool convertDropout(ConvertContext &ctx, const onnx::NodeProto &node);
bool convertGemm(ConvertContext &ctx, const onnx::NodeProto &node);
bool convertMatMul(ConvertContext &ctx, const onnx::NodeProto &node);
// Constant computations (ConstantFolding.cpp): PyTorch's exporter builds pads and
// shapes with these; they must fold to constants.
bool convertConstant(ConvertContext &ctx, const onnx::NodeProto &node);
bool convertShape(ConvertContext &ctx, const onnx::NodeProto &node);
bool convertGather(ConvertContext &ctx, const onnx::NodeProto &node);
bool convertUnsqueeze(ConvertContext &ctx, const onnx::NodeProto &node);
bool convertSqueeze(ConvertContext &ctx, const onnx::NodeProto &node);
bool convertCast(ConvertContext &ctx, const onnx::NodeProto &node);
bool convertSlice(ConvertContext &ctx, const onnx::NodeProto &node);
bool convertTranspose(ConvertContext &ctx, const onnx::NodeProto &node);
bool convertConstantOfShape(ConvertContext &ctx, const onnx::NodeProto &node);
/// Reshape, Flatten and Concat of constants (called by their converters).
bool foldReshape(ConvertContext &ctx, const onnx::NodeProto &node, const Constant &data,
                 std::vector<int64_t> dims);
bool foldConcat(ConvertContext &ctx, const onnx::NodeProto &node);

} // namespace cnnc::onnximport
