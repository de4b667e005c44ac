// The table of every operator cnnc knows, built from an explicit list (self-registering
// statics would be dropped silently when linked from a static library).
#pragma once

#include "compiler/ir/OpDef.h"

#include <string_view>
#include <vector>

namespace cnnc::ir {

class OpRegistry {
public:
  /// The built-in operators; built once, never modified.
  static const OpRegistry &builtin();

  const OpDef *find(std::string_view name) const;
  const std::vector<OpDef> &all() const { return ops_; }

private:
  explicit OpRegistry(std::vector<OpDef> ops) : ops_(std::move(ops)) {}
  std::vector<OpDef> ops_;
};

} // namespace cnnc::ir
