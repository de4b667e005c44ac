// .cnn text from a CnnProgram. The layout follows the hand-written models in
// examples/models: header comment, network, inputs, one layer per line, outputs.
#include "compiler/import/onnx/CnnWriter.h"

#include <charconv>
#include <cmath>

namespace cnnc::onnximport {

namespace {

struct Rendered {
  std::string text;
  std::vector<uint32_t> layerLines;
};

std::string layerStatement(const CnnProgram &program, const CnnLayer &layer) {
  std::string line = layer.name + " = " + layer.op + "(";
  bool first = true;
  for (TensorRef operand : layer.operands) {
    line += (first ? "" : ", ") + program.nameOf(operand);
    first = false;
  }
  for (const CnnAttr &attr : layer.attrs) {
    line += (first ? "" : ", ") + attr.key + "=" + attr.value;
    first = false;
  }
  return line + ")";
}

std::string outputStatement(const CnnProgram &program, const CnnWriterOptions &options) {
  std::vector<TensorRef> outputs = program.outputs;
  if (options.everythingIsOutput) {
    outputs.clear();
    for (size_t i = 0; i < program.inputs.size(); ++i)
      outputs.push_back({true, i});
    for (size_t i = 0; i < program.layers.size(); ++i)
      outputs.push_back({false, i});
  }
  std::string line = "output ";
  for (size_t i = 0; i < outputs.size(); ++i)
    line += (i ? ", " : "") + program.nameOf(outputs[i]);
  return line;
}

Rendered render(const CnnProgram &program, const CnnWriterOptions &options) {
  Rendered out;
  uint32_t line = 0;
  auto emit = [&](const std::string &text) {
    out.text += text + "\n";
    ++line;
  };
  for (const std::string &comment : program.headerComments)
    emit("# " + comment);
  emit("network " + program.name);
  emit("");
  for (const CnnInput &input : program.inputs) {
    std::string dims;
    for (size_t i = 0; i < input.shape.size(); ++i)
      dims += (i ? ", " : "") + std::to_string(input.shape[i]);
    emit("input " + input.name + ": f32[" + dims + "]");
  }
  emit("");
  for (const CnnLayer &layer : program.layers) {
    std::string statement = layerStatement(program, layer);
    if (options.nodeComments && !layer.onnxNode.empty())
      statement += "  # " + layer.onnxNode;
    emit(statement);
    out.layerLines.push_back(line);
  }
  emit("");
  emit(outputStatement(program, options));
  return out;
}

} // namespace

std::string writeCnn(const CnnProgram &program, const CnnWriterOptions &options) {
  return render(program, options).text;
}

std::vector<uint32_t> layerLines(const CnnProgram &program, const CnnWriterOptions &options) {
  return render(program, options).layerLines;
}

std::string cnnInt(int64_t value) { return std::to_string(value); }

std::string cnnPair(int64_t a, int64_t b) {
  return a == b ? cnnInt(a) : "(" + cnnInt(a) + ", " + cnnInt(b) + ")";
}

std::string cnnTuple(const std::vector<int64_t> &values) {
  std::string text = "(";
  for (size_t i = 0; i < values.size(); ++i)
    text += (i ? ", " : "") + cnnInt(values[i]);
  return text + ")";
}

std::string cnnFloat(float value) {
  char buffer[64];
  std::to_chars_result result = std::to_chars(buffer, buffer + sizeof buffer, value);
  std::string text(buffer, result.ptr);
  // The .cnn lexer reads digits without '.' or exponent as an integer; attributes that
  // take floats accept integers too, but a float reads better as one.
  if (text.find_first_of(".eE") == std::string::npos)
    text += ".0";
  return text;
}

std::string cnnBool(bool value) { return value ? "true" : "false"; }

} // namespace cnnc::onnximport
