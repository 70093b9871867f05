// The persistence module's error enum and std::error_category, plus `status` / `status_or<T>`:
// every call of the module returns one of these instead of throwing, with a code a caller can
// branch on and a message a person can read.
#pragma once

#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <variant>

namespace tixsync::persistence {

/// What went wrong in a persistence call. Zero is never used (it means success).
enum class persistence_errc {
  invalid_identifier = 1,  ///< provider, event, order, node or prefix failed validation
  invalid_argument,        ///< other bad input (empty trigger, lease <= 0, malformed JSON, ...)
  unreachable,             ///< no connection to Redis could be made (after the backoff)
  timeout,                 ///< Redis did not answer within the command timeout
  connection_lost,         ///< I/O error or EOF during a command: it may or may not have run
  auth_failed,             ///< AUTH or SELECT was refused
  server_error,            ///< Redis answered with an error reply
  protocol_error,          ///< a reply had an unexpected shape (a bug or a foreign key)
  stale_lease,             ///< fencing token mismatch: the lease was lost, nothing was changed
  not_found,               ///< no such queue item
  in_flight,               ///< refused because the item is in flight (cancel, manual retry)
  not_redis,               ///< the server at the address answered PING with something not Redis
};

/// The category of persistence_errc ("tixsync.persistence").
const std::error_category& persistence_category() noexcept;

inline std::error_code make_error_code(persistence_errc e) noexcept {
  return {static_cast<int>(e), persistence_category()};
}

/// Success, or an error code with a readable message.
class [[nodiscard]] status {
 public:
  status() = default;
  status(persistence_errc code, std::string message)
      : code_(make_error_code(code)), message_(std::move(message)) {}
  status(std::error_code code, std::string message) : code_(code), message_(std::move(message)) {}

  bool ok() const noexcept { return !code_; }
  explicit operator bool() const noexcept { return ok(); }
  std::error_code code() const noexcept { return code_; }
  const std::string& message() const noexcept { return message_; }
  /// "<category message>: <detail>", or "ok".
  std::string to_string() const;

 private:
  std::error_code code_;
  std::string message_;
};

/// A value, or the status saying why there is none.
template <class T>
class [[nodiscard]] status_or {
 public:
  status_or(T value) : v_(std::move(value)) {}
  status_or(status error) : v_(std::move(error)) {}
  status_or(persistence_errc code, std::string message) : v_(status(code, std::move(message))) {}

  bool ok() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }
  /// The value; throws std::system_error when there is none (a programming error).
  T& value() & { return check(), std::get<0>(v_); }
  const T& value() const& { return check(), std::get<0>(v_); }
  /// On a temporary: the value moved out (safe in range-for over `f().value()`).
  T value() && { return check(), std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T operator*() && { return std::move(*this).value(); }
  /// The error (or an ok status when there is a value).
  status error() const { return ok() ? status() : std::get<1>(v_); }
  std::error_code code() const noexcept {
    return ok() ? std::error_code() : std::get<1>(v_).code();
  }

 private:
  void check() const {
    if (!ok()) throw std::system_error(std::get<1>(v_).code(), std::get<1>(v_).message());
  }
  std::variant<T, status> v_;
};

}  // namespace tixsync::persistence

namespace std {
template <>
struct is_error_code_enum<tixsync::persistence::persistence_errc> : true_type {};
}  // namespace std
