// Status and Result: expected failures are values, not exceptions (LevelDB style).
// A failure carries a stable machine code (e.g. "insufficient_funds") that the API
// returns verbatim, and a human message.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace shanliu {

class [[nodiscard]] Status {
 public:
  Status() = default;

  static Status Ok() { return Status(); }
  static Status Error(std::string code, std::string message) {
    assert(!code.empty());
    return Status(std::move(code), std::move(message));
  }

  bool ok() const { return code_.empty(); }
  const std::string& code() const { return code_; }
  const std::string& message() const { return message_; }
  std::string ToString() const { return ok() ? "ok" : code_ + ": " + message_; }

 private:
  Status(std::string code, std::string message) : code_(std::move(code)), message_(std::move(message)) {}
  std::string code_;  // empty means ok
  std::string message_;
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}                 // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) { assert(!status_.ok()); }  // NOLINT

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }

  T& value() & { assert(ok()); return *value_; }
  const T& value() const& { assert(ok()); return *value_; }
  T&& value() && { assert(ok()); return std::move(*value_); }
  T* operator->() { assert(ok()); return &*value_; }
  const T* operator->() const { assert(ok()); return &*value_; }
  T& operator*() & { assert(ok()); return *value_; }
  const T& operator*() const& { assert(ok()); return *value_; }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace shanliu

// Propagate a failed Status / Result from the enclosing function.
#define SHANLIU_RETURN_IF_ERROR(expr)          \
  do {                                         \
    ::shanliu::Status shanliu_status_ = (expr); \
    if (!shanliu_status_.ok()) return shanliu_status_; \
  } while (0)
