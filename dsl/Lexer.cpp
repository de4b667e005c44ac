// Turns the bytes of a .cnn file into tokens in one linear pass, reporting each
// lexical error at the offending character or literal and carrying on after it.
#include "dsl/Lexer.h"

#include "dsl/Limits.h"

#include <algorithm>
#include <cassert>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>
#include <optional>
#include <system_error>

namespace cnnc::dsl {

namespace {

bool isDigit(char c) { return c >= '0' && c <= '9'; }

bool isIdentifierStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

bool isIdentifierChar(char c) { return isIdentifierStart(c) || isDigit(c); }

/// Characters that glue onto a number and make it malformed: `3x`, `0x10`, `1.2.3`.
bool isNumberTail(char c) { return isIdentifierChar(c) || c == '.'; }

/// `[-]digits` as an int64, or nullopt when it does not fit.
std::optional<int64_t> parseInteger(std::string_view text) {
  bool negative = !text.empty() && text.front() == '-';
  uint64_t limit = static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) + (negative ? 1 : 0);
  uint64_t magnitude = 0;
  for (char c : text.substr(negative ? 1 : 0)) {
    auto digit = static_cast<uint64_t>(c - '0');
    if (magnitude > (limit - digit) / 10)
      return std::nullopt;
    magnitude = magnitude * 10 + digit;
  }
  if (!negative)
    return static_cast<int64_t>(magnitude);
  if (magnitude == limit)
    return std::numeric_limits<int64_t>::min();
  return -static_cast<int64_t>(magnitude);
}

/// For a decimal literal that double cannot represent, whether it is too large (as
/// opposed to so small that it rounds to zero): from_chars reports both the same way.
bool decimalLiteralOverflows(std::string_view text) {
  size_t i = text.empty() || text.front() != '-' ? 0 : 1;
  int64_t significantIntDigits = 0;
  int64_t leadingFractionZeros = 0;
  bool seenNonZero = false;
  for (; i < text.size() && isDigit(text[i]); ++i) {
    seenNonZero = seenNonZero || text[i] != '0';
    significantIntDigits += seenNonZero ? 1 : 0;
  }
  if (i < text.size() && text[i] == '.')
    ++i;
  for (; i < text.size() && isDigit(text[i]); ++i) {
    leadingFractionZeros += seenNonZero || text[i] != '0' ? 0 : 1;
    seenNonZero = seenNonZero || text[i] != '0';
  }
  if (!seenNonZero)
    return false;
  int64_t exponent = 0;
  bool negativeExponent = false;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    negativeExponent = i < text.size() && text[i] == '-';
    i += i < text.size() && (text[i] == '-' || text[i] == '+') ? 1 : 0;
    // Saturate: an exponent of a billion is as out of range as a larger one.
    for (; i < text.size() && isDigit(text[i]); ++i)
      exponent = std::min<int64_t>(exponent * 10 + (text[i] - '0'), 1'000'000'000);
  }
  int64_t magnitude =
      significantIntDigits > 0 ? significantIntDigits - 1 : -leadingFractionZeros - 1;
  return magnitude + (negativeExponent ? -exponent : exponent) > 0;
}

/// The smallest magnitude that rounds to infinity in f32: FLT_MAX plus half an ulp.
constexpr double kF32Overflow = 0x1.ffffffp127;

/// A float literal's value, or nullopt when it is beyond f32 (rounding to zero is fine).
std::optional<double> parseF32Literal(std::string_view text) {
  double value = 0.0;
  std::from_chars_result result = std::from_chars(text.data(), text.data() + text.size(), value);
  assert(result.ec != std::errc::invalid_argument && "the lexer only passes valid literals");
  if (result.ec == std::errc::result_out_of_range) {
    if (decimalLiteralOverflows(text))
      return std::nullopt;
    return text.front() == '-' ? -0.0 : 0.0;
  }
  if (std::fabs(value) >= kF32Overflow)
    return std::nullopt;
  return value;
}

/// The kind of a one-character token, or Error for a character that is none.
TokenKind punctuationKind(char c) {
  switch (c) {
  case '=':
    return TokenKind::Equal;
  case ',':
    return TokenKind::Comma;
  case ':':
    return TokenKind::Colon;
  case '(':
    return TokenKind::LParen;
  case ')':
    return TokenKind::RParen;
  case '[':
    return TokenKind::LBracket;
  case ']':
    return TokenKind::RBracket;
  default:
    return TokenKind::Error;
  }
}

std::string describeByte(char c) {
  auto byte = static_cast<unsigned char>(c);
  if (byte > 0x20 && byte < 0x7f)
    return std::string("'") + c + "'";
  char buffer[8];
  std::snprintf(buffer, sizeof buffer, "'\\x%02x'", byte);
  return buffer;
}

} // namespace

Lexer::Lexer(const SourceFile &file, DiagnosticEngine &diags) : file_(file), diags_(diags) {}

char Lexer::peekChar(size_t offset) const {
  const std::string &text = file_.text();
  return pos_ + offset < text.size() ? text[pos_ + offset] : '\0';
}

/// Where the newline ending the line that contains `from` starts: its "\r\n" or "\n",
/// or the end of the file.
size_t Lexer::endOfLineFrom(size_t from) const {
  const std::string &text = file_.text();
  size_t newline = text.find('\n', from); // memchr: a megabyte comment costs microseconds
  if (newline == std::string::npos)
    return text.size();
  return newline > from && text[newline - 1] == '\r' ? newline - 1 : newline;
}

void Lexer::skipBlanksAndComment() {
  const std::string &text = file_.text();
  while (pos_ < text.size()) {
    char c = text[pos_];
    if (c == ' ' || c == '\t' || (c == '\r' && peekChar(1) != '\n')) {
      ++pos_;
      continue;
    }
    if (c != '#')
      return;
    pos_ = endOfLineFrom(pos_);
  }
}

void Lexer::skipLine() { pos_ = endOfLineFrom(pos_); }

Token Lexer::makeToken(TokenKind kind, size_t begin, size_t end) const {
  Token token;
  token.kind = kind;
  token.text = std::string_view(file_.text()).substr(begin, end - begin);
  token.loc.line = line_;
  token.loc.column = static_cast<uint32_t>(begin - lineStart_ + 1);
  token.loc.length = static_cast<uint32_t>(end - begin);
  return token;
}

Token Lexer::lexError(size_t begin, size_t end, std::string message) {
  Token token = makeToken(TokenKind::Error, begin, end);
  diags_.error(token.loc, std::move(message));
  return token;
}

Token Lexer::next() {
  skipBlanksAndComment();
  const std::string &text = file_.text();
  if (pos_ >= text.size())
    return lexEndOfInput();
  char c = text[pos_];
  if (c == '\n')
    return lexNewline(1);
  if (c == '\r') // skipBlanksAndComment leaves only a '\r' that starts "\r\n"
    return lexNewline(2);
  if (isIdentifierStart(c))
    return lexIdentifier();
  char next = peekChar(1);
  bool fraction = c == '.' && isDigit(next);
  bool negative = c == '-' && (isDigit(next) || (next == '.' && isDigit(peekChar(2))));
  if (isDigit(c) || fraction || negative)
    return lexNumber();

  TokenKind kind = punctuationKind(c);
  if (kind == TokenKind::Error)
    return lexUnexpectedCharacter();
  ++pos_;
  return makeToken(kind, pos_ - 1, pos_);
}

Token Lexer::lexNewline(size_t length) {
  Token token = makeToken(TokenKind::Newline, pos_, pos_ + length);
  token.loc.length = 1;
  pos_ += length;
  ++line_;
  lineStart_ = pos_;
  return token;
}

/// A last line without a newline still ends: the parser sees a Newline one past its
/// last character, then EndOfFile (forever).
Token Lexer::lexEndOfInput() {
  if (pos_ > lineStart_) {
    Token token = makeToken(TokenKind::Newline, pos_, pos_);
    token.loc.length = 1;
    ++line_;
    lineStart_ = pos_;
    return token;
  }
  Token token = makeToken(TokenKind::EndOfFile, pos_, pos_);
  token.loc.length = 1;
  return token;
}

Token Lexer::lexIdentifier() {
  const std::string &text = file_.text();
  size_t begin = pos_;
  while (pos_ < text.size() && isIdentifierChar(text[pos_]))
    ++pos_;
  if (pos_ - begin > kMaxNameBytes)
    return lexError(begin, pos_, "name is " + std::to_string(pos_ - begin) +
                                     " bytes long; names are at most " +
                                     std::to_string(kMaxNameBytes) + " bytes");
  return makeToken(TokenKind::Identifier, begin, pos_);
}

Token Lexer::lexUnexpectedCharacter() {
  char c = file_.text()[pos_];
  ++pos_;
  return lexError(pos_ - 1, pos_, "unexpected character " + describeByte(c));
}

/// number ::= '-'? (digits ('.' digits?)? | '.' digits) (('e'|'E') ('+'|'-')? digits)?
Token Lexer::lexNumber() {
  const std::string &text = file_.text();
  auto skipDigits = [&] {
    while (pos_ < text.size() && isDigit(text[pos_]))
      ++pos_;
  };
  size_t begin = pos_;
  if (text[pos_] == '-')
    ++pos_;
  skipDigits();
  bool isFloat = false;
  if (peekChar(0) == '.') {
    ++pos_;
    skipDigits();
    isFloat = true;
  }
  char exponentSign = peekChar(1);
  bool signedExponent = (exponentSign == '+' || exponentSign == '-') && isDigit(peekChar(2));
  if ((peekChar(0) == 'e' || peekChar(0) == 'E') && (isDigit(exponentSign) || signedExponent)) {
    pos_ += signedExponent ? 2 : 1;
    skipDigits();
    isFloat = true;
  }
  size_t numberEnd = pos_;
  while (pos_ < text.size() && isNumberTail(text[pos_]))
    ++pos_;
  std::string_view literal = std::string_view(text).substr(begin, pos_ - begin);
  if (pos_ != numberEnd)
    return lexError(begin, pos_, "invalid number literal " + quoted(literal));

  Token token = makeToken(isFloat ? TokenKind::Float : TokenKind::Int, begin, pos_);
  if (isFloat) {
    std::optional<double> value = parseF32Literal(literal);
    if (!value)
      return lexError(begin, pos_, "float literal " + quoted(literal) + " is out of range for f32");
    token.floatValue = *value;
    return token;
  }
  std::optional<int64_t> value = parseInteger(literal);
  if (!value)
    return lexError(begin, pos_,
                    "integer literal " + quoted(literal) + " is out of range for int64");
  token.intValue = *value;
  return token;
}

} // namespace cnnc::dsl
