// Hand-built ONNX models for the import tests: the cases PyTorch's exporter never
// produces (unsupported operators and attributes, dynamic shapes, other opsets).
#pragma once

#include <onnx/onnx_pb.h>

#include <filesystem>
#include <string>
#include <vector>

namespace cnnc::testsupport {

class OnnxModelBuilder {
public:
  explicit OnnxModelBuilder(int64_t opset = 13) {
    model_.set_ir_version(7);
    model_.set_producer_name("test");
    model_.add_opset_import()->set_version(opset);
  }

  /// A float input; a negative dimension becomes the symbolic dimension "batch".
  OnnxModelBuilder &input(const std::string &name, const std::vector<int64_t> &dims) {
    onnx::ValueInfoProto *v = model_.mutable_graph()->add_input();
    v->set_name(name);
    onnx::TypeProto_Tensor *t = v->mutable_type()->mutable_tensor_type();
    t->set_elem_type(onnx::TensorProto::FLOAT);
    for (int64_t d : dims) {
      onnx::TensorShapeProto_Dimension *dim = t->mutable_shape()->add_dim();
      if (d < 0)
        dim->set_dim_param("batch");
      else
        dim->set_dim_value(d);
    }
    return *this;
  }

  OnnxModelBuilder &output(const std::string &name) {
    model_.mutable_graph()->add_output()->set_name(name);
    return *this;
  }

  OnnxModelBuilder &floats(const std::string &name, const std::vector<int64_t> &dims, float fill) {
    onnx::TensorProto *t = model_.mutable_graph()->add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::FLOAT);
    int64_t n = 1;
    for (int64_t d : dims) {
      t->add_dims(d);
      n *= d;
    }
    for (int64_t i = 0; i < n; ++i)
      t->add_float_data(fill);
    return *this;
  }

  OnnxModelBuilder &ints(const std::string &name, const std::vector<int64_t> &values) {
    onnx::TensorProto *t = model_.mutable_graph()->add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::INT64);
    t->add_dims(static_cast<int64_t>(values.size()));
    for (int64_t v : values)
      t->add_int64_data(v);
    return *this;
  }

  onnx::NodeProto &node(const std::string &op, const std::string &name,
                        const std::vector<std::string> &inputs,
                        const std::vector<std::string> &outputs) {
    onnx::NodeProto *n = model_.mutable_graph()->add_node();
    n->set_op_type(op);
    n->set_name(name);
    for (const std::string &in : inputs)
      n->add_input(in);
    for (const std::string &out : outputs)
      n->add_output(out);
    return *n;
  }

  static void intsAttr(onnx::NodeProto &n, const std::string &name, const std::vector<int64_t> &v) {
    onnx::AttributeProto *a = n.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INTS);
    for (int64_t x : v)
      a->add_ints(x);
  }
  static void intAttr(onnx::NodeProto &n, const std::string &name, int64_t v) {
    onnx::AttributeProto *a = n.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(v);
  }
  static void stringAttr(onnx::NodeProto &n, const std::string &name, const std::string &v) {
    onnx::AttributeProto *a = n.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::STRING);
    a->set_s(v);
  }

  onnx::ModelProto &model() { return model_; }

  /// Serializes the model to `path`.
  void write(const std::filesystem::path &path) const {
    std::string bytes;
    model_.SerializeToString(&bytes);
    std::FILE *f = std::fopen(path.c_str(), "wb");
    std::fwrite(bytes.data(), 1, bytes.size(), f);
    std::fclose(f);
  }

private:
  onnx::ModelProto model_;
};

} // namespace cnnc::testsupport
