// Collects errors and warnings and renders them in the SPEC format:
//
//   net.cnn:12:42: error: padding 2 must be at most half of kernel_size 3
//   pool1 = max_pool2d(relu2, kernel_size=3, padding=2)
//                                            ^
//
// Libraries report here; only the command line prints.
#pragma once

#include "dsl/SourceFile.h"
#include "dsl/SourceLocation.h"

#include <string>
#include <vector>

namespace cnnc::dsl {

enum class Severity { Error, Warning, Note };

struct Diagnostic {
  Severity severity;
  SourceLocation loc;
  std::string message;
};

class DiagnosticEngine {
public:
  /// `file` may be null for diagnostics that concern no source (then locations are
  /// ignored); it must outlive the engine.
  explicit DiagnosticEngine(const SourceFile *file) : file_(file) {}

  void error(SourceLocation loc, std::string message);
  void warning(SourceLocation loc, std::string message);
  void note(SourceLocation loc, std::string message);

  bool hasErrors() const { return errorCount_ != 0; }
  unsigned errorCount() const { return errorCount_; }
  const std::vector<Diagnostic> &diagnostics() const { return diagnostics_; }
  const SourceFile *file() const { return file_; }

  /// Renders one diagnostic: `file:line:col: error: message\n`, then the source line
  /// and a caret line (`^` under the first byte, `~` under the rest of `loc.length`,
  /// clipped to the line). A source line longer than 200 bytes is shown as a window of
  /// it around the caret, with `...` marking the cut. Without a valid location or file:
  /// `file: error: message\n` (or `cnnc: error: message\n` without a file).
  std::string render(const Diagnostic &diagnostic) const;
  /// Every diagnostic, in the order reported.
  std::string renderAll() const;

private:
  void report(Severity severity, SourceLocation loc, std::string message);

  const SourceFile *file_;
  std::vector<Diagnostic> diagnostics_;
  unsigned errorCount_ = 0;
};

} // namespace cnnc::dsl
