// Parses a .cnn file into a Module.
//
//   file      ::= (statement? comment? NEWLINE)* statement? comment?
//   statement ::= 'network' IDENT
//               | 'input' IDENT ':' IDENT '[' INT (',' INT)* ']'
//               | IDENT '=' IDENT '(' (arg (',' arg)*)? ')'
//               | 'output' IDENT (',' IDENT)*
//   arg       ::= IDENT '=' value | value
//   value     ::= INT | FLOAT | 'true' | 'false' | IDENT | '(' value (',' value)* ')'
//
// `network`, `input` and `output` are keywords only at the start of a statement and
// when not followed by '='. The parser reports every syntax error it finds and
// resynchronizes at the next line. It also enforces the file's structure: `network
// NAME` is the first statement and appears exactly once.
#pragma once

#include "dsl/AST.h"
#include "dsl/Diagnostic.h"
#include "dsl/SourceFile.h"

namespace cnnc::dsl {

/// Always returns a Module (possibly partial); check `diags.hasErrors()`.
Module parseModule(const SourceFile &file, DiagnosticEngine &diags);

} // namespace cnnc::dsl
