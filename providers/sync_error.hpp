// The errors a sync can end in: the kinds the retry decision tells apart, the sync_error value
// that crosses threads (and later actor boundaries), and the exceptions a provider written in
// blocking style may throw, converted to sync_error at the boundary by to_sync_error.
#pragma once

#include <chrono>
#include <cstdint>
#include <exception>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include "mapping/evaluate.hpp"

namespace tixsync::providers {

using json = nlohmann::json;
using sync_clock = std::chrono::system_clock;

/// Milliseconds since the Unix epoch, the form times take in stored results and JSON.
std::int64_t to_unix_ms(sync_clock::time_point time);
sync_clock::time_point from_unix_ms(std::int64_t unix_ms);

/// Why syncing an object or an order failed. The retry decision (retry_policy.hpp) maps each kind
/// to "reschedule" or "park". Values start at 1 so that the kind works as a std::error_code enum.
enum class sync_error_kind {
  recoverable = 1,  ///< temporary problem, retried (pretix's RecoverableSyncError)
  rate_limited,     ///< the external system asks to slow down: retried without using an attempt
  unrecoverable,    ///< a retry will not help: parked as `permanent` (UnrecoverableSyncError)
  config,           ///< misconfiguration: parked as `config` (SyncConfigError)
  internal,         ///< anything unexpected, e.g. a bug: parked as `internal`
  timeout,          ///< in flight too long, reported by the runtime: parked as `timeout`.
                    ///< (An I/O timeout inside a provider is `recoverable`, signature "timeout".)
};

/// "recoverable", "rate_limited", "unrecoverable", "config", "internal", "timeout".
const char* to_string(sync_error_kind kind);
/// The inverse of to_string; nullopt for an unknown name.
std::optional<sync_error_kind> sync_error_kind_from_string(const std::string& name);

/// The error category of sync_error_kind ("tixsync.sync").
const std::error_category& sync_error_category();
std::error_code make_error_code(sync_error_kind kind);

/// A failed sync as a value: owns all its data, so it can be moved across threads.
struct sync_error {
  sync_error_kind kind = sync_error_kind::internal;
  /// Short messages for people, as pretix's `messages` (shown in the order log).
  std::vector<std::string> messages;
  /// Details for operators: an exception text, a response body.
  std::string full_message;
  /// "Not before": e.g. from a Retry-After header. Wins over the computed backoff.
  std::optional<sync_clock::time_point> retry_at;
  /// A normalised cause for grouping parked jobs, e.g. "http-503", "pool-saturated".
  std::string signature;
  /// What a log line may say about the error: tixsync's own words only, never a value of the
  /// order nor anything the destination answered (answers quote what they refuse). Messages and
  /// full message may hold both; they are stored with the job, under the retention rules.
  std::string log_text;

  /// `signature`, or the kind's name when the signature is empty.
  std::string group() const;
  /// The messages joined with "; ", else the full message, else the kind's name.
  std::string summary() const;
  /// For log lines: `log_text`, else a pointer to the job's stored error.
  std::string log_summary() const;
};

/// A sync_error of `kind` with one message, which is also its log text: tixsync's own words,
/// without values of the order (those go into `full_message`).
sync_error make_sync_error(sync_error_kind kind, std::string message, std::string full_message = {},
                           std::string signature = {});

/// {kind, messages, full_message, retry_at (unix ms or null), signature}.
json to_json(const sync_error& error);
/// The inverse of to_json; throws std::invalid_argument on a malformed document.
sync_error sync_error_from_json(const json& document);

// ---------------------------------------------------------------------------------------------
// Exceptions a provider may throw (from sync_object_blocking, or inside its own async code)
// ---------------------------------------------------------------------------------------------

/// Base of the provider exceptions: carries a complete sync_error (any kind).
class base_sync_error : public std::runtime_error {
 public:
  explicit base_sync_error(sync_error error);
  const sync_error& error() const noexcept { return error_; }

 private:
  sync_error error_;
};

/// A temporary problem; the order is retried later (at `retry_at` when given).
class recoverable_sync_error : public base_sync_error {
 public:
  explicit recoverable_sync_error(std::vector<std::string> messages, std::string full_message = {},
                                  std::optional<sync_clock::time_point> retry_at = {},
                                  std::string signature = {});

 protected:
  explicit recoverable_sync_error(sync_error error) : base_sync_error(std::move(error)) {}
};

/// The external system asked to slow down (HTTP 429): rescheduled without using an attempt, up
/// to the policy's max_rate_limit_deferrals.
class rate_limited_sync_error : public recoverable_sync_error {
 public:
  explicit rate_limited_sync_error(std::optional<sync_clock::time_point> retry_at,
                                   std::vector<std::string> messages = {"Rate limited"},
                                   std::string full_message = {},
                                   std::string signature = "rate-limited");
};

/// A permanent problem: a retry will not succeed. The job is parked as `permanent`.
class unrecoverable_sync_error : public base_sync_error {
 public:
  explicit unrecoverable_sync_error(std::vector<std::string> messages,
                                    std::string full_message = {}, std::string signature = {});
};

/// A configuration problem: parked as `config`. The same exception the mapping evaluation throws,
/// so providers and the runtime treat both alike.
using sync_config_error = mapping::sync_config_error;

/// Converts whatever was thrown into a sync_error: the provider exceptions keep their error;
/// sync_config_error and mapping::invalid_update_mode become `config`; everything else
/// (including mapping::field_internal_error and non-std exceptions) becomes `internal`, with the
/// exception text as full message, as pretix does.
sync_error to_sync_error(std::exception_ptr error);

}  // namespace tixsync::providers

namespace std {
template <>
struct is_error_code_enum<tixsync::providers::sync_error_kind> : true_type {};
}  // namespace std
