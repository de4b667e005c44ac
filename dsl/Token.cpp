// Names of token kinds, as they appear in "expected X, found Y" messages.
#include "dsl/Token.h"

namespace cnnc::dsl {

std::string_view describe(TokenKind kind) {
  switch (kind) {
  case TokenKind::Identifier:
    return "identifier";
  case TokenKind::Int:
    return "integer";
  case TokenKind::Float:
    return "float";
  case TokenKind::Equal:
    return "'='";
  case TokenKind::Comma:
    return "','";
  case TokenKind::Colon:
    return "':'";
  case TokenKind::LParen:
    return "'('";
  case TokenKind::RParen:
    return "')'";
  case TokenKind::LBracket:
    return "'['";
  case TokenKind::RBracket:
    return "']'";
  case TokenKind::Newline:
    return "end of line";
  case TokenKind::Error:
    return "invalid token";
  case TokenKind::EndOfFile:
    return "end of file";
  }
  return "token";
}

std::string describe(const Token &token) {
  std::string name(describe(token.kind));
  bool hasText = token.kind == TokenKind::Identifier || token.kind == TokenKind::Int ||
                 token.kind == TokenKind::Float;
  if (!hasText)
    return name;
  return name + ' ' + quoted(token.text);
}

std::string quoted(std::string_view text) {
  constexpr size_t kMaxQuotedBytes = 32;
  if (text.size() <= kMaxQuotedBytes)
    return "'" + std::string(text) + "'";
  return "'" + std::string(text.substr(0, kMaxQuotedBytes)) + "...'";
}

} // namespace cnnc::dsl
