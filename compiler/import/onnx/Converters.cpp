// The converter table: every ONNX operator cnnc imports, in one explicit list.
#include "compiler/import/onnx/Converters.h"

namespace cnnc::onnximport {

const std::map<std::string, ConvertFn> &converterTable() {
  static const std::map<std::string, ConvertFn> table = {
      {"Add", convertAdd},
      {"AveragePool", convertAveragePool},
      {"BatchNormalization", convertBatchNormalization},
      {"Cast", convertCast},
      {"Clip", convertClip},
      {"Concat", convertConcat},
      {"Constant", convertConstant},
      {"ConstantOfShape", convertConstantOfShape},
      {"Conv", convertConv},
      {"Dropout", convertDropout},
      {"Flatten", convertFlatten},
      {"Gather", convertGather},
      {"Gemm", convertGemm},
      {"GlobalAveragePool", convertGlobalAveragePool},
      {"GlobalMaxPool", convertGlobalMaxPool},
      {"Identity", convertIdentity},
      {"LeakyRelu", convertLeakyRelu},
      {"MatMul", convertMatMul},
      {"MaxPool", convertMaxPool},
      {"Pad", convertPad},
      {"Relu", convertRelu},
      {"Reshape", convertReshape},
      {"Shape", convertShape},
      {"Sigmoid", convertSigmoid},
      {"Slice", convertSlice},
      {"Softmax", convertSoftmax},
      {"Squeeze", convertSqueeze},
      {"Tanh", convertTanh},
      {"Transpose", convertTranspose},
      {"Unsqueeze", convertUnsqueeze},
  };
  return table;
}

} // namespace cnnc::onnximport
