// scratchBound: a walk over the lowered statement that sums the allocations live on
// one path (nested Allocate nodes), takes the larger of sequential statements, and
// multiplies parallel loops by their trip count. Extents are bounded with Halide's own
// interval arithmetic over the enclosing lets and loop variables.
#include "compiler/emit/ScratchBound.h"

#include <algorithm>

namespace cnnc::emit {

namespace {

using namespace Halide::Internal;
using Halide::Expr;

// ScratchArena's block alignment, the guard it keeps at each end of the caller's
// memory, and the most Halide adds to an allocation request (it asks for a few bytes
// beyond the buffer, measured 12, so that vector loads may run past the end).
constexpr int64_t kAlignment = 128;
constexpr int64_t kArenaOverhead = 2 * kAlignment;
constexpr int64_t kRequestSlack = 64;

int64_t roundUp(int64_t value, int64_t multiple) { return (value + multiple - 1) / multiple * multiple; }

class ScratchWalker : public IRVisitor {
public:
  /// The bound of `stmt`, or nullopt (and `unbounded_`) when it has none.
  std::optional<int64_t> boundOf(const Stmt &stmt) {
    bytes_ = 0;
    if (stmt.defined())
      stmt.accept(this);
    if (unbounded_)
      return std::nullopt;
    return bytes_;
  }

private:
  using IRVisitor::visit;

  /// The constant upper bound of `expr` given the enclosing lets and loops.
  std::optional<int64_t> upperBound(const Expr &expr) {
    Expr bound = find_constant_bound(simplify(expr), Direction::Upper, scope_);
    const int64_t *value = bound.defined() ? as_const_int(bound) : nullptr;
    if (!value) {
      unbounded_ = true;
      return std::nullopt;
    }
    return *value;
  }

  int64_t child(const Stmt &stmt) {
    int64_t saved = bytes_;
    bytes_ = 0;
    if (stmt.defined())
      stmt.accept(this);
    int64_t result = bytes_;
    bytes_ = saved;
    return result;
  }

  void visit(const LetStmt *op) override {
    scope_.push(op->name, bounds_of_expr_in_scope(op->value, scope_));
    bytes_ = child(op->body);
    scope_.pop(op->name);
  }

  void visit(const Allocate *op) override {
    int64_t bytes = 0;
    if (op->memory_type != Halide::MemoryType::Stack &&
        op->memory_type != Halide::MemoryType::Register) {
      bytes = op->type.bytes();
      for (const Expr &extent : op->extents) {
        std::optional<int64_t> bound = upperBound(extent);
        bytes *= std::max<int64_t>(bound.value_or(0), 0);
      }
      bytes = roundUp(bytes + kRequestSlack, kAlignment);
    }
    bytes_ = bytes + child(op->body);
  }

  void visit(const Block *op) override { bytes_ = std::max(child(op->first), child(op->rest)); }

  void visit(const IfThenElse *op) override {
    bytes_ = std::max(child(op->then_case), child(op->else_case));
  }

  void visit(const Fork *op) override { bytes_ = child(op->first) + child(op->rest); }

  void visit(const For *op) override {
    Expr last = simplify(op->min + op->extent - 1);
    scope_.push(op->name, Interval(bounds_of_expr_in_scope(op->min, scope_).min,
                                   bounds_of_expr_in_scope(last, scope_).max));
    int64_t body = child(op->body);
    scope_.pop(op->name);
    if (op->for_type != ForType::Parallel) {
      bytes_ = body;
      return;
    }
    std::optional<int64_t> trips = upperBound(op->extent);
    bytes_ = body * std::max<int64_t>(trips.value_or(0), 0);
  }

  Scope<Interval> scope_;
  int64_t bytes_ = 0;
  bool unbounded_ = false;
};

} // namespace

std::optional<int64_t> scratchBound(const Stmt &body) {
  ScratchWalker walker;
  std::optional<int64_t> bytes = walker.boundOf(body);
  if (!bytes)
    return std::nullopt;
  return *bytes + kArenaOverhead;
}

} // namespace cnnc::emit
