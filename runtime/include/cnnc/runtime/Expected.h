// Expected<T>: the value-or-error result of every fallible runtime call. The runtime is
// linked into users' programs, so it reports failure as a value and never throws.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace cnnc::rt {

/// A user-facing failure: one or more lines, each naming the file and, where there is
/// one, the tensor. Lower case, no final period (STYLE.md 2).
struct Error {
  std::string message;
};

/// Holds either a T or an Error. Accessing the side that is not held is a bug in the
/// caller and asserts; test with `if (result)` first.
///
///   Expected<Tensor> t = file.readF32("conv1.weight");
///   if (!t)
///     return t.error();
///   use(*t);
template <class T> class [[nodiscard]] Expected {
public:
  Expected(T value) : storage_(std::in_place_index<0>, std::move(value)) {}
  Expected(Error error) : storage_(std::in_place_index<1>, std::move(error)) {}

  explicit operator bool() const { return storage_.index() == 0; }

  T &value() & { return *valuePtr(); }
  const T &value() const & { return *valuePtr(); }
  T &&value() && { return std::move(*valuePtr()); }

  T &operator*() & { return *valuePtr(); }
  const T &operator*() const & { return *valuePtr(); }
  T &&operator*() && { return std::move(*valuePtr()); }
  T *operator->() { return valuePtr(); }
  const T *operator->() const { return valuePtr(); }

  const Error &error() const {
    // std::get_if instead of std::get: std::get would throw bad_variant_access.
    const Error *error = std::get_if<1>(&storage_);
    assert(error && "error() called on an Expected holding a value");
    return *error;
  }

private:
  T *valuePtr() {
    T *value = std::get_if<0>(&storage_);
    assert(value && "value accessed on an Expected holding an error");
    return value;
  }
  const T *valuePtr() const {
    const T *value = std::get_if<0>(&storage_);
    assert(value && "value accessed on an Expected holding an error");
    return value;
  }

  std::variant<T, Error> storage_;
};

/// The result of an operation that yields nothing but may fail (a write, a check).
/// Succeed with `return ok();`, fail with `return Error{"..."};`.
using Status = Expected<std::monostate>;

/// The successful Status.
inline Status ok() { return Status(std::monostate{}); }

} // namespace cnnc::rt
