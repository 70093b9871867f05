// The circuit breaker of one provider: after `failure_threshold` failures of the external system
// in a row it opens and lets no call through for a cooldown; then it lets exactly one probe call
// through (half-open). A probe that the system answers (success, or a refusal of that one call
// such as a 422) closes it; a failed one opens it again with the cooldown doubled up to
// `max_cooldown`. Errors that are the order's fault do not count as failures.
// Not thread-safe: its owner serialises the calls.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "providers/guard/guard_clock.hpp"
#include "providers/log_sink.hpp"
#include "providers/sync_error.hpp"

namespace tixsync::providers::guard {

enum class circuit_state { closed, open, half_open };

/// "closed", "open", "half_open".
const char* to_string(circuit_state state);

struct circuit_breaker_options {
  bool enabled = true;         ///< false: always closed, nothing is counted
  int failure_threshold = 10;  ///< counted failures in a row that open the circuit (>= 1)
  std::chrono::milliseconds cooldown{30000};       ///< how long it stays open the first time
  std::chrono::milliseconds max_cooldown{300000};  ///< the doubled cooldown never exceeds it
};

/// How a result of the inner provider counts for the breaker.
enum class call_outcome {
  success,   ///< the external system did its job (or the object was skipped)
  failure,   ///< the system's fault: recoverable, rate_limited, timeout
  answered,  ///< the system answered but refused this call (unrecoverable): it is reachable
  neutral,   ///< our fault, no proof either way: config, internal
};

/// The outcome of a result: no error is a success; see call_outcome for the kinds.
call_outcome classify(const std::optional<sync_error>& error);

class circuit_breaker {
 public:
  /// What admit() hands out; give it back to record() with the call's result.
  struct ticket {
    std::uint64_t generation = 0;  ///< the state period the call was admitted in
    bool probe = false;            ///< the one call of a half-open period
  };

  /// `provider` names the provider in log lines; `log` may be empty.
  circuit_breaker(std::string provider, circuit_breaker_options options, log_sink log = {},
                  clock_source clock = real_clock());

  /// Whether a call may go through now. Moves open -> half-open once the cooldown has passed;
  /// false while open and while a half-open probe is in flight.
  bool permits();
  /// Admits one call (call right after permits() returned true): in half-open the call becomes
  /// the probe, and permits() is false until its result is recorded.
  ticket admit();
  /// Records the result of an admitted call. Only results of the current period count: calls
  /// admitted before the circuit opened are ignored, and so are other calls while half-open.
  /// A probe the system answered (success or answered) closes the circuit; a neutral probe
  /// result frees the probe: the next call probes again. While closed, only success resets the
  /// run of failures.
  void record(const ticket& admitted, const std::optional<sync_error>& error);

  circuit_state state() const { return state_; }
  /// Half-open with the probe in flight: calls may wait for its outcome (permits() is false).
  bool probing() const {
    return options_.enabled && state_ == circuit_state::half_open && probe_in_flight_;
  }
  /// How often the circuit opened (closed -> open and half-open -> open).
  std::uint64_t times_opened() const { return times_opened_; }
  /// Counted failures in a row while closed.
  int consecutive_failures() const { return failures_; }
  /// The cooldown of the current (or next) open period.
  std::chrono::milliseconds cooldown() const { return cooldown_; }
  /// How long until a call may be let through: the rest of the cooldown while open, a cooldown
  /// while a probe is in flight (its outcome is unknown), zero otherwise.
  guard_duration retry_after();
  /// The failures in a row that opened the circuit last (for messages).
  int failures_when_opened() const { return failures_when_opened_; }
  const std::string& provider() const { return provider_; }
  const circuit_breaker_options& options() const { return options_; }

 private:
  void open(guard_time now, const std::string& why, bool again);
  void close(const std::string& why);
  void transition(circuit_state next);
  void log(log_level level, const std::string& line) const;

  std::string provider_;
  circuit_breaker_options options_;
  log_sink log_;
  clock_source clock_;
  circuit_state state_ = circuit_state::closed;
  std::uint64_t generation_ = 0;
  int failures_ = 0;
  int failures_when_opened_ = 0;
  bool probe_in_flight_ = false;
  std::chrono::milliseconds cooldown_;
  guard_time open_until_{};
  std::uint64_t times_opened_ = 0;
};

/// "45s", "1m30s", "250ms": a duration for log lines and messages.
std::string describe_duration(std::chrono::milliseconds duration);

}  // namespace tixsync::providers::guard
