// Splits a .cnn file into tokens, reporting lexical errors as it goes.
#pragma once

#include "dsl/Diagnostic.h"
#include "dsl/SourceFile.h"
#include "dsl/Token.h"

namespace cnnc::dsl {

class Lexer {
public:
  Lexer(const SourceFile &file, DiagnosticEngine &diags);

  /// The next token. After EndOfFile, keeps returning EndOfFile. A lexical error
  /// (unexpected character, integer beyond int64, float beyond f32, malformed
  /// number) is reported once and yields a TokenKind::Error token.
  Token next();

  /// Skips the rest of the current line without reporting anything in it, so that the
  /// next token is the line's Newline (or EndOfFile). The parser's error recovery.
  void skipLine();

private:
  char peekChar(size_t offset) const;
  size_t endOfLineFrom(size_t from) const;
  void skipBlanksAndComment();
  Token makeToken(TokenKind kind, size_t begin, size_t end) const;
  Token lexError(size_t begin, size_t end, std::string message);
  Token lexNewline(size_t length);
  Token lexEndOfInput();
  Token lexIdentifier();
  Token lexNumber();
  Token lexUnexpectedCharacter();

  const SourceFile &file_;
  DiagnosticEngine &diags_;
  size_t pos_ = 0;
  uint32_t line_ = 1;
  size_t lineStart_ = 0;
};

} // namespace cnnc::dsl
