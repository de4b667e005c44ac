// The syntax tree of a .cnn file. It knows nothing about operators: a layer is
// `name = ident(args)`, and deciding what `ident` means is the compiler's job.
#pragma once

#include "dsl/SourceLocation.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cnnc::dsl {

/// An attribute or positional value: `3`, `-1.5`, `true`, `reflect`, `(1, 2)`.
struct Value {
  enum class Kind { Int, Float, Bool, Identifier, Tuple };
  Kind kind = Kind::Int;
  int64_t intValue = 0;     // Kind::Int
  double floatValue = 0.0;  // Kind::Float (always a finite value that fits f32)
  bool boolValue = false;   // Kind::Bool
  std::string identifier;   // Kind::Identifier
  std::vector<Value> elements; // Kind::Tuple (never empty)
  SourceLocation loc;       // the whole value; for a tuple, from '(' to ')'
};

/// `key=value` (key set) or a positional `value`.
struct Argument {
  std::optional<std::string> key;
  SourceLocation keyLoc; // valid only with a key
  Value value;
};

/// `network NAME`
struct NetworkDecl {
  std::string name;
  SourceLocation keywordLoc;
  SourceLocation nameLoc;
};

/// `input NAME: f32[d0, d1, ...]`
struct InputDecl {
  std::string name;
  SourceLocation nameLoc;
  std::string elementType; // as written, e.g. "f32"
  SourceLocation elementTypeLoc;
  std::vector<int64_t> dims;
  std::vector<SourceLocation> dimLocs;
  SourceLocation shapeLoc; // '[' to ']'
};

/// `NAME = OP(args...)`
struct LayerStmt {
  std::string name;
  SourceLocation nameLoc;
  std::string op;
  SourceLocation opLoc;
  std::vector<Argument> args;
  /// True when the statement had a syntax error after `NAME =`: the name is still
  /// defined (so its uses raise no "undefined name" cascade) but the layer is invalid.
  bool malformed = false;
};

/// `output a, b`
struct OutputStmt {
  SourceLocation keywordLoc;
  std::vector<std::string> names;
  std::vector<SourceLocation> nameLocs;
};

/// Statements in source order, split by kind; `order` records the interleaving.
struct Module {
  enum class StmtKind { Network, Input, Layer, Output };
  struct StmtRef {
    StmtKind kind;
    size_t index; // into the vector of that kind
  };
  std::vector<NetworkDecl> networks; // more than one is an error reported by the parser
  std::vector<InputDecl> inputs;
  std::vector<LayerStmt> layers;
  std::vector<OutputStmt> outputs;
  std::vector<StmtRef> order;
};

} // namespace cnnc::dsl
