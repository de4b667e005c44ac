// The tokens of the .cnn language.
#pragma once

#include "dsl/SourceLocation.h"

#include <cstdint>
#include <string>
#include <string_view>

namespace cnnc::dsl {

enum class TokenKind {
  Identifier, // [A-Za-z_][A-Za-z0-9_]*  (keywords are contextual identifiers)
  Int,        // [0-9]+, or '-' immediately followed by digits
  Float,      // digits with '.' and/or exponent, optionally with a leading '-'
  Equal,      // =
  Comma,      // ,
  Colon,      // :
  LParen,     // (
  RParen,     // )
  LBracket,   // [
  RBracket,   // ]
  Newline,    // end of a line; its location is one past the line's last character
  Error,      // a lexical error, already reported
  EndOfFile,
};

struct Token {
  TokenKind kind = TokenKind::EndOfFile;
  std::string_view text; // points into the SourceFile's text
  SourceLocation loc;
  int64_t intValue = 0;    // TokenKind::Int
  double floatValue = 0.0; // TokenKind::Float
};

/// A name for messages: "identifier", "integer", "'='", "end of line", ...
std::string_view describe(TokenKind kind);

/// A token for "found ..." in messages: its kind, and for identifiers and numbers its
/// text too: "identifier 'relu'", "integer '3'", "')'", "end of line".
std::string describe(const Token &token);

/// `text` in single quotes, cut to its first 32 bytes plus "..." when longer, so a
/// message about a megabyte-long literal stays one readable line.
std::string quoted(std::string_view text);

} // namespace cnnc::dsl
