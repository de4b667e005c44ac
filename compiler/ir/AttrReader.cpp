// Attribute type and range checks, reported at the offending value.
#include "compiler/ir/AttrReader.h"

#include "dsl/Limits.h"

#include <cmath>

namespace cnnc::ir {

using dsl::Value;

std::string describeValue(const Value &value) {
  switch (value.kind) {
  case Value::Kind::Int:
    return "integer " + std::to_string(value.intValue);
  case Value::Kind::Float: {
    char text[64];
    std::snprintf(text, sizeof text, "%g", value.floatValue);
    std::string shown = text;
    // "float 1.0", not "float 1", which reads like an integer.
    if (shown.find_first_of(".en") == std::string::npos)
      shown += ".0";
    return "float " + shown;
  }
  case Value::Kind::Bool:
    return value.boolValue ? "'true'" : "'false'";
  case Value::Kind::Identifier:
    return "'" + value.identifier + "'";
  case Value::Kind::Tuple:
    return "a tuple of " + std::to_string(value.elements.size());
  }
  return "a value";
}

const Value *AttrReader::find(const std::string &name) const {
  auto it = values_.find(name);
  return it == values_.end() ? nullptr : it->second;
}

dsl::SourceLocation AttrReader::locOf(const std::string &name) const {
  const Value *value = find(name);
  return value ? value->loc : opLoc_;
}

void AttrReader::errorAt(const std::string &name, const std::string &message) {
  diags_.error(locOf(name), message);
}

bool AttrReader::require(const std::string &name) {
  if (has(name))
    return true;
  diags_.error(opLoc_, opName_ + " requires attribute '" + name + "'");
  return false;
}

void AttrReader::typeError(const Value &value, const std::string &name,
                           const std::string &expected) {
  diags_.error(value.loc, "'" + name + "' of " + opName_ + " expects " + expected + ", found " +
                              describeValue(value));
}

std::optional<int64_t> AttrReader::intOf(const Value &value, const std::string &name,
                                         int64_t minimum) {
  if (value.kind != Value::Kind::Int) {
    typeError(value, name, "an integer");
    return std::nullopt;
  }
  // Every integer attribute is a size, count or index of a tensor dimension, none of
  // which exceeds dsl::kMaxTensorElements; bounding them keeps the shape rules' sums
  // and products far from int64 overflow.
  if (value.intValue > dsl::kMaxTensorElements) {
    diags_.error(value.loc, "'" + name + "' is " + std::to_string(value.intValue) +
                                "; integer attributes are at most " +
                                std::to_string(dsl::kMaxTensorElements) + " (2^31-1)");
    return std::nullopt;
  }
  if (value.intValue >= minimum)
    return value.intValue;
  if (minimum == 0)
    diags_.error(value.loc, "'" + name + "' must be non-negative, found " +
                                std::to_string(value.intValue));
  else
    diags_.error(value.loc, "'" + name + "' must be at least " + std::to_string(minimum) +
                                ", found " + std::to_string(value.intValue));
  return std::nullopt;
}

std::optional<int64_t> AttrReader::getInt(const std::string &name, int64_t fallback,
                                          int64_t minimum) {
  const Value *value = find(name);
  if (!value)
    return fallback;
  return intOf(*value, name, minimum);
}

std::optional<double> AttrReader::getFloat(const std::string &name, double fallback) {
  const Value *value = find(name);
  if (!value)
    return fallback;
  // Integers are accepted where a float is expected (SPEC 1).
  if (value->kind == Value::Kind::Int)
    return static_cast<double>(value->intValue);
  if (value->kind == Value::Kind::Float)
    return value->floatValue;
  typeError(*value, name, "a number");
  return std::nullopt;
}

std::optional<bool> AttrReader::getBool(const std::string &name, bool fallback) {
  const Value *value = find(name);
  if (!value)
    return fallback;
  if (value->kind == Value::Kind::Bool)
    return value->boolValue;
  typeError(*value, name, "true or false");
  return std::nullopt;
}

std::optional<Int2> AttrReader::getInt2(const std::string &name, Int2 fallback, int64_t minimum) {
  const Value *value = find(name);
  if (!value)
    return fallback;
  if (value->kind == Value::Kind::Tuple) {
    if (value->elements.size() != 2) {
      typeError(*value, name, "an integer or a pair (h, w)");
      return std::nullopt;
    }
    std::optional<int64_t> h = intOf(value->elements[0], name, minimum);
    std::optional<int64_t> w = h ? intOf(value->elements[1], name, minimum) : std::nullopt;
    if (!w)
      return std::nullopt;
    return Int2{*h, *w};
  }
  if (value->kind != Value::Kind::Int) {
    typeError(*value, name, "an integer or a pair (h, w)");
    return std::nullopt;
  }
  std::optional<int64_t> both = intOf(*value, name, minimum);
  if (!both)
    return std::nullopt;
  return Int2{*both, *both};
}

std::optional<size_t> AttrReader::getChoice(const std::string &name, size_t fallback,
                                            const std::vector<std::string> &choices) {
  const Value *value = find(name);
  if (!value)
    return fallback;
  std::string list;
  for (size_t i = 0; i < choices.size(); ++i)
    list += (i == 0 ? "" : i + 1 == choices.size() ? " or " : ", ") + choices[i];
  if (value->kind != Value::Kind::Identifier) {
    typeError(*value, name, list);
    return std::nullopt;
  }
  for (size_t i = 0; i < choices.size(); ++i)
    if (choices[i] == value->identifier)
      return i;
  diags_.error(value->loc, "unknown " + name + " '" + value->identifier + "' (expected " + list +
                               ")");
  return std::nullopt;
}

std::optional<AttrReader::ConvPadding> AttrReader::getConvPadding(const std::string &name) {
  const Value *value = find(name);
  if (!value)
    return ConvPadding{};
  if (value->kind == Value::Kind::Identifier) {
    if (value->identifier == "same")
      return ConvPadding{{0, 0}, true};
    if (value->identifier == "valid")
      return ConvPadding{};
    diags_.error(value->loc, "unknown padding '" + value->identifier +
                                 "' (expected an integer, (h, w), same or valid)");
    return std::nullopt;
  }
  std::optional<Int2> pad = getInt2(name, {0, 0}, /*minimum=*/0);
  if (!pad)
    return std::nullopt;
  return ConvPadding{*pad, false};
}

std::optional<Pad4> AttrReader::getPad4(const std::string &name) {
  const Value *value = find(name);
  if (!value)
    return Pad4{};
  if (value->kind == Value::Kind::Int) {
    std::optional<int64_t> all = intOf(*value, name, 0);
    if (!all)
      return std::nullopt;
    return Pad4{*all, *all, *all, *all};
  }
  const size_t count = value->elements.size();
  if (value->kind != Value::Kind::Tuple || (count != 2 && count != 4)) {
    typeError(*value, name, "an integer, (left, right) or (left, right, top, bottom)");
    return std::nullopt;
  }
  int64_t sides[4] = {0, 0, 0, 0};
  for (size_t i = 0; i < count; ++i) {
    std::optional<int64_t> side = intOf(value->elements[i], name, 0);
    if (!side)
      return std::nullopt;
    sides[i] = *side;
  }
  return Pad4{sides[0], sides[1], sides[2], sides[3]};
}

} // namespace cnnc::ir
