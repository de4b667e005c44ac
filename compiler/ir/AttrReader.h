// Typed access to a layer's `key=value` attributes while BuildGraph checks them.
// Each getter checks the value's type and range, reports a mistake at the value,
// and returns nullopt; a missing attribute yields its default.
#pragma once

#include "compiler/ir/Attrs.h"
#include "dsl/AST.h"
#include "dsl/Diagnostic.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace cnnc::ir {

class AttrReader {
public:
  AttrReader(std::string opName, dsl::SourceLocation opLoc,
             std::map<std::string, const dsl::Value *> values, dsl::DiagnosticEngine &diags)
      : opName_(std::move(opName)), opLoc_(opLoc), values_(std::move(values)), diags_(diags) {}

  bool has(const std::string &name) const { return values_.count(name) != 0; }
  /// Reports "<op> requires attribute '<name>'" at the operator.
  bool require(const std::string &name);

  std::optional<int64_t> getInt(const std::string &name, int64_t fallback, int64_t minimum);
  std::optional<double> getFloat(const std::string &name, double fallback);
  std::optional<bool> getBool(const std::string &name, bool fallback);
  /// An int or an (h, w) pair, each element at least `minimum`.
  std::optional<Int2> getInt2(const std::string &name, Int2 fallback, int64_t minimum);
  /// One of `choices` (an identifier); returns its index.
  std::optional<size_t> getChoice(const std::string &name, size_t fallback,
                                  const std::vector<std::string> &choices);
  /// Convolution padding: int, (h, w), `same` or `valid`. `same` is returned as
  /// nullopt in `isSame` and resolved later (it needs the kernel and dilation).
  struct ConvPadding {
    Int2 pad;
    bool same = false;
  };
  std::optional<ConvPadding> getConvPadding(const std::string &name);
  /// pad's padding: int (all sides), (left, right) or (left, right, top, bottom).
  std::optional<Pad4> getPad4(const std::string &name);

  /// Reports an error at the value of `name` (or at the operator if it is absent).
  void errorAt(const std::string &name, const std::string &message);
  dsl::SourceLocation locOf(const std::string &name) const;
  const std::string &opName() const { return opName_; }

private:
  const dsl::Value *find(const std::string &name) const;
  std::optional<int64_t> intOf(const dsl::Value &value, const std::string &name, int64_t minimum);
  void typeError(const dsl::Value &value, const std::string &name, const std::string &expected);

  std::string opName_;
  dsl::SourceLocation opLoc_;
  std::map<std::string, const dsl::Value *> values_;
  dsl::DiagnosticEngine &diags_;
};

/// "integer 3", "float 1.5", "identifier 'reflect'", "tuple" — for messages.
std::string describeValue(const dsl::Value &value);

} // namespace cnnc::ir
