// Renders diagnostics as `file:line:col: severity: message`, the source line and a caret.
#include "dsl/Diagnostic.h"

#include <algorithm>

namespace cnnc::dsl {

namespace {

/// Source lines longer than this are shown as a window around the caret.
constexpr size_t kMaxShownLine = 200;
constexpr std::string_view kCutMarker = "...";

std::string_view severityName(Severity severity) {
  switch (severity) {
  case Severity::Error:
    return "error";
  case Severity::Warning:
    return "warning";
  case Severity::Note:
    return "note";
  }
  return "error";
}

/// The bytes of a source line as they may be printed: tabs stay (so the caret line can
/// copy them and stay aligned), other control and non-ASCII bytes become '?' so that
/// a binary file cannot garble the terminal. One byte in, one byte out.
std::string printable(std::string_view text) {
  std::string shown(text);
  for (char &c : shown) {
    auto byte = static_cast<unsigned char>(c);
    if (byte != '\t' && (byte < 0x20 || byte > 0x7e))
      c = '?';
  }
  return shown;
}

/// The part of a long line that is shown: at most kMaxShownLine bytes around the caret.
struct LineWindow {
  size_t begin = 0;
  size_t end = 0;
};

LineWindow windowAround(size_t lineLength, size_t caret) {
  if (lineLength <= kMaxShownLine)
    return {0, lineLength};
  size_t begin = caret > kMaxShownLine / 2 ? caret - kMaxShownLine / 2 : 0;
  begin = std::min(begin, lineLength - kMaxShownLine);
  return {begin, begin + kMaxShownLine};
}

/// The echoed source line and the `^~~~` line under it, both newline-terminated.
std::string renderSnippet(std::string_view line, SourceLocation loc) {
  size_t caret = std::min<size_t>(loc.column - 1, line.size());
  LineWindow window = windowAround(line.size(), caret);
  bool cutBefore = window.begin > 0;
  bool cutAfter = window.end < line.size();

  std::string out;
  if (cutBefore)
    out += kCutMarker;
  out += printable(line.substr(window.begin, window.end - window.begin));
  if (cutAfter)
    out += kCutMarker;
  out += '\n';

  if (cutBefore)
    out.append(kCutMarker.size(), ' ');
  for (size_t i = window.begin; i < caret; ++i)
    out += line[i] == '\t' ? '\t' : ' ';
  out += '^';
  size_t underlineEnd = std::min<size_t>(caret + std::max<uint32_t>(loc.length, 1), window.end);
  if (underlineEnd > caret + 1)
    out.append(underlineEnd - caret - 1, '~');
  out += '\n';
  return out;
}

} // namespace

void DiagnosticEngine::error(SourceLocation loc, std::string message) {
  report(Severity::Error, loc, std::move(message));
}

void DiagnosticEngine::warning(SourceLocation loc, std::string message) {
  report(Severity::Warning, loc, std::move(message));
}

void DiagnosticEngine::note(SourceLocation loc, std::string message) {
  report(Severity::Note, loc, std::move(message));
}

void DiagnosticEngine::report(Severity severity, SourceLocation loc, std::string message) {
  if (severity == Severity::Error)
    ++errorCount_;
  diagnostics_.push_back(Diagnostic{severity, loc, std::move(message)});
}

std::string DiagnosticEngine::render(const Diagnostic &diagnostic) const {
  std::string out = file_ ? file_->name() : std::string("cnnc");
  bool located = file_ && diagnostic.loc.isValid();
  if (located) {
    out += ':' + std::to_string(diagnostic.loc.line) + ':' +
           std::to_string(std::max<uint32_t>(diagnostic.loc.column, 1));
  }
  out += ": ";
  out += severityName(diagnostic.severity);
  out += ": " + diagnostic.message + '\n';
  if (!located)
    return out;
  // An empty line (an empty file, say) has nothing to point at.
  std::string_view line = file_->lineText(diagnostic.loc.line);
  if (line.empty())
    return out;
  SourceLocation loc = diagnostic.loc;
  loc.column = std::max<uint32_t>(loc.column, 1);
  return out + renderSnippet(line, loc);
}

std::string DiagnosticEngine::renderAll() const {
  // Checks run in passes (syntax, names, shapes), but a reader wants the file in order:
  // sort errors and warnings by location, each keeping the notes that follow it.
  std::vector<std::vector<const Diagnostic *>> groups;
  for (const Diagnostic &diagnostic : diagnostics_) {
    if (diagnostic.severity != Severity::Note || groups.empty())
      groups.emplace_back();
    groups.back().push_back(&diagnostic);
  }
  std::stable_sort(groups.begin(), groups.end(), [](const auto &a, const auto &b) {
    return std::make_pair(a[0]->loc.line, a[0]->loc.column) <
           std::make_pair(b[0]->loc.line, b[0]->loc.column);
  });
  std::string out;
  for (const auto &group : groups)
    for (const Diagnostic *diagnostic : group)
      out += render(*diagnostic);
  return out;
}

} // namespace cnnc::dsl
