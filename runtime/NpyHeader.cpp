// A recursive-descent parser for the Python dict literal in a .npy header, accepting
// what numpy (any version) writes and rejecting everything else with a position.
#include "NpyHeader.h"

#include <cctype>
#include <set>

using namespace cnnc::rt;

namespace {

class HeaderParser {
public:
  explicit HeaderParser(std::string_view text) : text_(text) {}

  /// header ::= dict (' ' | '\n')*
  Expected<NpyHeader> parse() {
    NpyHeader header;
    if (!parseDict(header))
      return Error{error_};
    skipSpace();
    if (pos_ != text_.size())
      return Error{"unexpected text after the dict at character " + std::to_string(pos_ + 1)};
    for (const char *key : {"descr", "fortran_order", "shape"})
      if (seen_.count(key) == 0)
        return Error{std::string("missing key '") + key + "'"};
    return header;
  }

private:
  /// dict ::= '{' (entry (',' entry)* ','?)? '}'
  bool parseDict(NpyHeader &header) {
    if (!expect('{', "'{'"))
      return false;
    while (!peek('}')) {
      if (!parseEntry(header))
        return false;
      if (!peek(','))
        break;
      ++pos_;
    }
    return expect('}', "',' or '}'");
  }

  /// entry ::= string ':' ('descr' string | 'fortran_order' bool | 'shape' tuple)
  bool parseEntry(NpyHeader &header) {
    size_t keyPos = pos_;
    std::string key;
    if (!parseString(key, "a key string") || !expect(':', "':'"))
      return false;
    if (key != "descr" && key != "fortran_order" && key != "shape") {
      error_ = "unexpected key '" + key + "' at character " + std::to_string(keyPos + 1);
      return false;
    }
    if (!seen_.insert(key).second) {
      error_ = "duplicate key '" + key + "' at character " + std::to_string(keyPos + 1);
      return false;
    }
    if (key == "descr")
      return parseString(header.descr, "a dtype string");
    if (key == "fortran_order")
      return parseBool(header.fortranOrder);
    return parseTuple(header.shape);
  }

  /// string ::= "'" char* "'" | '"' char* '"'   (no escapes: numpy never writes any)
  bool parseString(std::string &out, const char *what) {
    skipSpace();
    if (!peek('\'') && !peek('"'))
      return fail(what);
    char quote = text_[pos_++];
    size_t end = text_.find(quote, pos_);
    if (end == std::string_view::npos)
      return fail("a closing quote");
    out = std::string(text_.substr(pos_, end - pos_));
    if (out.find('\\') != std::string::npos)
      return fail("a string without escapes");
    pos_ = end + 1;
    return true;
  }

  /// bool ::= 'True' | 'False'
  bool parseBool(bool &out) {
    skipSpace();
    for (bool value : {true, false}) {
      std::string_view word = value ? "True" : "False";
      if (text_.substr(pos_, word.size()) == word) {
        pos_ += word.size();
        out = value;
        return true;
      }
    }
    return fail("True or False");
  }

  /// tuple ::= '(' ')' | '(' int ',' ')' | '(' int (',' int)+ ','? ')'
  /// `(5)` is an int in Python, not a tuple, so numpy never writes it and we refuse it.
  bool parseTuple(std::vector<int64_t> &out) {
    if (!expect('(', "a shape tuple"))
      return false;
    bool trailingComma = false;
    while (!peek(')')) {
      int64_t dim = 0;
      if (!parseInt(dim))
        return false;
      out.push_back(dim);
      trailingComma = peek(',');
      if (!trailingComma)
        break;
      ++pos_;
    }
    if (out.size() == 1 && !trailingComma)
      return fail("',' after the only dimension (a 1-d shape is written (n,))");
    return expect(')', "',' or ')'");
  }

  /// int ::= digit+ 'L'?   ('L' is Python 2's long suffix, in files from old numpy)
  bool parseInt(int64_t &out) {
    skipSpace();
    if (pos_ >= text_.size() || !std::isdigit(static_cast<unsigned char>(text_[pos_])))
      return fail("a non-negative integer dimension");
    size_t start = pos_;
    out = 0;
    for (; pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_])); ++pos_)
      if (__builtin_mul_overflow(out, 10, &out) ||
          __builtin_add_overflow(out, text_[pos_] - '0', &out)) {
        error_ =
            "dimension at character " + std::to_string(start + 1) + " is more than an int64 holds";
        return false;
      }
    if (peek('L'))
      ++pos_;
    return true;
  }

  void skipSpace() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\n'))
      ++pos_;
  }

  /// Skips spaces; true if the next character is `c` (not consumed).
  bool peek(char c) {
    skipSpace();
    return pos_ < text_.size() && text_[pos_] == c;
  }

  bool expect(char c, const char *what) {
    if (!peek(c))
      return fail(what);
    ++pos_;
    return true;
  }

  /// Records "expected WHAT at character N, found ..." and returns false.
  bool fail(const std::string &what) {
    std::string found = pos_ < text_.size() ? "'" + std::string(1, text_[pos_]) + "'"
                                            : std::string("the end of the header");
    error_ = "expected " + what + " at character " + std::to_string(pos_ + 1) + ", found " + found;
    return false;
  }

  std::string_view text_;
  size_t pos_ = 0;
  std::set<std::string> seen_;
  std::string error_;
};

} // namespace

Expected<NpyHeader> cnnc::rt::parseNpyHeader(std::string_view text) {
  return HeaderParser(text).parse();
}

std::string cnnc::rt::formatNpyHeader(const std::vector<int64_t> &shape) {
  std::string tuple = "(";
  for (size_t i = 0; i < shape.size(); ++i)
    tuple += (i == 0 ? "" : ", ") + std::to_string(shape[i]);
  if (shape.size() == 1)
    tuple += ",";
  tuple += ")";
  return "{'descr': '<f4', 'fortran_order': False, 'shape': " + tuple + ", }";
}
