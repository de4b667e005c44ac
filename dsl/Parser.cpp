// Recursive-descent parser for .cnn files: one statement per line, every syntax error
// reported at the unexpected token, and recovery at the next line.
#include "dsl/Parser.h"

#include "dsl/Lexer.h"

#include <optional>
#include <utility>

namespace cnnc::dsl {

namespace {

/// Deeper tuples are an error: it bounds the recursion on inputs like "((((((...".
constexpr unsigned kMaxTupleDepth = 16;

/// The location from the start of `first` to the end of `last` (on the same line).
SourceLocation span(SourceLocation first, SourceLocation last) {
  SourceLocation loc = first;
  loc.length = last.column + last.length - first.column;
  return loc;
}

bool endsLine(const Token &token) {
  return token.kind == TokenKind::Newline || token.kind == TokenKind::EndOfFile;
}

class Parser {
public:
  Parser(const SourceFile &file, DiagnosticEngine &diags) : lexer_(file, diags), diags_(diags) {}

  Module parseFile();

private:
  void advance();
  const Token &peek();
  void skipRestOfLine();
  bool fail(std::string_view expected);
  bool expectEndOfLine(std::string_view after);
  void checkFirstStatement(bool isNetwork);
  void record(Module::StmtKind kind, size_t index) { module_.order.push_back({kind, index}); }

  bool parseStatement();
  bool parseNetwork();
  bool parseInput();
  bool parseInputShape(InputDecl &input);
  bool parseLayer();
  bool parseLayerCall(LayerStmt &layer);
  bool parseOutput();
  bool parseArgument(Argument &arg);
  bool parseValue(Value &value, unsigned depth);
  bool parseTuple(Value &tuple, unsigned depth);

  Lexer lexer_;
  DiagnosticEngine &diags_;
  Token tok_;
  /// The token after tok_, once peek() has looked at it.
  std::optional<Token> peeked_;
  Module module_;
  bool sawStatement_ = false;
};

void Parser::advance() {
  if (!peeked_) {
    tok_ = lexer_.next();
    return;
  }
  tok_ = *peeked_;
  peeked_.reset();
}

const Token &Parser::peek() {
  if (!peeked_)
    peeked_ = lexer_.next();
  return *peeked_;
}

/// Error recovery: drops the rest of the line unread, so nothing in it is reported.
void Parser::skipRestOfLine() {
  if (endsLine(tok_))
    return;
  if (peeked_) {
    Token next = *peeked_;
    peeked_.reset();
    if (endsLine(next)) {
      tok_ = next;
      return;
    }
  }
  lexer_.skipLine();
  tok_ = lexer_.next();
}

/// Reports "expected X, found Y" at the current token; an Error token has been
/// reported by the lexer already. Always returns false, for `return fail(...)`.
bool Parser::fail(std::string_view expected) {
  if (tok_.kind != TokenKind::Error)
    diags_.error(tok_.loc, "expected " + std::string(expected) + ", found " + describe(tok_));
  return false;
}

bool Parser::expectEndOfLine(std::string_view after) {
  if (endsLine(tok_))
    return true;
  return fail("end of line after " + std::string(after));
}

void Parser::checkFirstStatement(bool isNetwork) {
  if (sawStatement_)
    return;
  sawStatement_ = true;
  if (!isNetwork)
    diags_.error(tok_.loc, "expected 'network NAME' as the first statement");
}

/// file ::= (statement? comment? NEWLINE)* statement? comment?
Module Parser::parseFile() {
  unsigned errorsBefore = diags_.errorCount();
  tok_ = lexer_.next();
  while (tok_.kind != TokenKind::EndOfFile) {
    if (tok_.kind == TokenKind::Newline) {
      advance();
      continue;
    }
    if (!parseStatement())
      skipRestOfLine();
  }
  // A file of junk has its own errors; one without any statement gets this one.
  if (!sawStatement_ && diags_.errorCount() == errorsBefore) {
    SourceLocation start;
    start.line = 1;
    start.column = 1;
    diags_.error(start, "expected 'network NAME' as the first statement");
  }
  return std::move(module_);
}

/// statement ::= network | input | layer | output
/// The keywords are keywords only when not followed by '=' (`input = relu(x)` is a layer).
bool Parser::parseStatement() {
  if (tok_.kind != TokenKind::Identifier)
    return fail("statement");
  bool isKeyword = peek().kind != TokenKind::Equal;
  bool isNetwork = isKeyword && tok_.text == "network";
  checkFirstStatement(isNetwork);
  if (isNetwork)
    return parseNetwork();
  if (isKeyword && tok_.text == "input")
    return parseInput();
  if (isKeyword && tok_.text == "output")
    return parseOutput();
  return parseLayer();
}

/// network ::= 'network' IDENT
bool Parser::parseNetwork() {
  NetworkDecl network;
  network.keywordLoc = tok_.loc;
  advance();
  if (tok_.kind != TokenKind::Identifier)
    return fail("network name after 'network'");
  network.name = std::string(tok_.text);
  network.nameLoc = tok_.loc;
  advance();
  if (!expectEndOfLine("network name"))
    return false;
  if (!module_.networks.empty()) {
    diags_.error(network.keywordLoc, "duplicate network declaration");
    diags_.note(module_.networks.front().keywordLoc, "previous declaration is here");
  }
  module_.networks.push_back(std::move(network));
  record(Module::StmtKind::Network, module_.networks.size() - 1);
  return true;
}

/// input ::= 'input' IDENT ':' IDENT shape
bool Parser::parseInput() {
  advance(); // 'input'
  InputDecl input;
  if (tok_.kind != TokenKind::Identifier)
    return fail("input name after 'input'");
  input.name = std::string(tok_.text);
  input.nameLoc = tok_.loc;
  advance();
  if (tok_.kind != TokenKind::Colon)
    return fail("':' after input name");
  advance();
  if (tok_.kind != TokenKind::Identifier)
    return fail("element type after ':'");
  input.elementType = std::string(tok_.text);
  input.elementTypeLoc = tok_.loc;
  advance();
  if (!parseInputShape(input) || !expectEndOfLine("input shape"))
    return false;
  module_.inputs.push_back(std::move(input));
  record(Module::StmtKind::Input, module_.inputs.size() - 1);
  return true;
}

/// shape ::= '[' INT (',' INT)* ']'
bool Parser::parseInputShape(InputDecl &input) {
  if (tok_.kind != TokenKind::LBracket)
    return fail("'[' after element type");
  SourceLocation open = tok_.loc;
  advance();
  for (;;) {
    if (tok_.kind != TokenKind::Int)
      return fail("integer dimension");
    input.dims.push_back(tok_.intValue);
    input.dimLocs.push_back(tok_.loc);
    advance();
    if (tok_.kind == TokenKind::RBracket)
      break;
    if (tok_.kind != TokenKind::Comma)
      return fail("']' or ',' after dimension");
    advance();
  }
  input.shapeLoc = span(open, tok_.loc);
  advance();
  return true;
}

/// layer ::= IDENT '=' call
/// Once `NAME =` is read the layer is recorded even if the rest is malformed, so that
/// its uses do not cascade into "undefined name" errors.
bool Parser::parseLayer() {
  LayerStmt layer;
  layer.name = std::string(tok_.text);
  layer.nameLoc = tok_.loc;
  advance();
  if (tok_.kind != TokenKind::Equal)
    return fail("'=' after layer name");
  advance();
  bool parsed = parseLayerCall(layer);
  layer.malformed = !parsed;
  module_.layers.push_back(std::move(layer));
  record(Module::StmtKind::Layer, module_.layers.size() - 1);
  return parsed;
}

/// call ::= IDENT '(' (arg (',' arg)*)? ')'
bool Parser::parseLayerCall(LayerStmt &layer) {
  if (tok_.kind != TokenKind::Identifier)
    return fail("operator name after '='");
  layer.op = std::string(tok_.text);
  layer.opLoc = tok_.loc;
  advance();
  if (tok_.kind != TokenKind::LParen)
    return fail("'(' after operator name");
  advance();
  if (tok_.kind == TokenKind::RParen) {
    advance();
    return expectEndOfLine("')'");
  }
  for (;;) {
    Argument arg;
    if (!parseArgument(arg))
      return false;
    layer.args.push_back(std::move(arg));
    if (tok_.kind == TokenKind::RParen)
      break;
    if (tok_.kind != TokenKind::Comma)
      return fail("')' or ',' after argument");
    advance(); // a ')' after this ',' is caught by parseValue: no trailing commas
  }
  advance();
  return expectEndOfLine("')'");
}

/// output ::= 'output' IDENT (',' IDENT)*
bool Parser::parseOutput() {
  OutputStmt output;
  output.keywordLoc = tok_.loc;
  advance();
  std::string_view expected = "output name after 'output'";
  for (;;) {
    if (tok_.kind != TokenKind::Identifier)
      return fail(expected);
    output.names.emplace_back(tok_.text);
    output.nameLocs.push_back(tok_.loc);
    advance();
    if (endsLine(tok_))
      break;
    if (tok_.kind != TokenKind::Comma)
      return fail("',' or end of line after output name");
    advance();
    expected = "output name after ','";
  }
  module_.outputs.push_back(std::move(output));
  record(Module::StmtKind::Output, module_.outputs.size() - 1);
  return true;
}

/// arg ::= IDENT '=' value | value
bool Parser::parseArgument(Argument &arg) {
  if (tok_.kind == TokenKind::Identifier && peek().kind == TokenKind::Equal) {
    arg.key = std::string(tok_.text);
    arg.keyLoc = tok_.loc;
    advance(); // key
    advance(); // '='
  }
  return parseValue(arg.value, /*depth=*/0);
}

/// value ::= INT | FLOAT | 'true' | 'false' | IDENT | tuple
bool Parser::parseValue(Value &value, unsigned depth) {
  if (tok_.kind == TokenKind::LParen)
    return parseTuple(value, depth);
  value.loc = tok_.loc;
  if (tok_.kind == TokenKind::Int) {
    value.kind = Value::Kind::Int;
    value.intValue = tok_.intValue;
  } else if (tok_.kind == TokenKind::Float) {
    value.kind = Value::Kind::Float;
    value.floatValue = tok_.floatValue;
  } else if (tok_.kind == TokenKind::Identifier && (tok_.text == "true" || tok_.text == "false")) {
    value.kind = Value::Kind::Bool;
    value.boolValue = tok_.text == "true";
  } else if (tok_.kind == TokenKind::Identifier) {
    value.kind = Value::Kind::Identifier;
    value.identifier = std::string(tok_.text);
  } else {
    return fail("value");
  }
  advance();
  return true;
}

/// tuple ::= '(' value (',' value)* ')'
bool Parser::parseTuple(Value &tuple, unsigned depth) {
  if (depth >= kMaxTupleDepth) {
    diags_.error(tok_.loc, "tuples nested too deeply");
    return false;
  }
  SourceLocation open = tok_.loc;
  tuple.kind = Value::Kind::Tuple;
  advance();
  for (;;) {
    Value element;
    if (!parseValue(element, depth + 1))
      return false;
    tuple.elements.push_back(std::move(element));
    if (tok_.kind == TokenKind::RParen)
      break;
    if (tok_.kind != TokenKind::Comma)
      return fail("')' or ',' after tuple element");
    advance();
  }
  tuple.loc = span(open, tok_.loc);
  advance();
  return true;
}

} // namespace

Module parseModule(const SourceFile &file, DiagnosticEngine &diags) {
  return Parser(file, diags).parseFile();
}

} // namespace cnnc::dsl
