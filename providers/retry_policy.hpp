// The retry decision: a pure function of the attempt counters, the error and the provider's
// policy that says "reschedule at t" or "park as <reason>". The queue transition it triggers is
// the persistence layer's business; nothing here reads a clock or a random source.
#pragma once

#include <chrono>
#include <optional>

#include "providers/sync_error.hpp"

namespace tixsync::providers {

enum class backoff_mode {
  exponential,  ///< base * 2^(n-1) for the n-th failure, capped
  fixed,        ///< the same delay every time (pretix's default is 1 hour)
};

/// A provider's retry behaviour. The defaults retry after about 5, 10, 20 and 40 minutes and
/// park on the 5th recoverable failure (pretix: every hour, parks on the 5th failure).
struct retry_policy {
  backoff_mode mode = backoff_mode::exponential;
  std::chrono::milliseconds base = std::chrono::minutes(5);  ///< first exponential delay
  std::chrono::milliseconds cap = std::chrono::hours(1);     ///< exponential delays never exceed it
  std::chrono::milliseconds fixed_delay = std::chrono::hours(1);
  /// Spread of the delay: d * (1 + jitter * (2r - 1)) for r in [0, 1], i.e. +/- jitter * d.
  double jitter = 0.2;
  /// Recoverable failures until the job is parked as `exceeded` (the max_attempts-th parks).
  int max_attempts = 5;
  /// Rate-limit reschedules that do not use an attempt; further ones count as failures.
  int max_rate_limit_deferrals = 20;
};

enum class retry_action { reschedule, park };

/// Why a job waits for a person (pretix's need_manual_retry).
enum class park_reason { exceeded, permanent, config, internal, timeout };

/// "exceeded", "permanent", "config", "internal", "timeout".
const char* to_string(park_reason reason);
/// "reschedule", "park".
const char* to_string(retry_action action);

struct retry_decision {
  retry_action action = retry_action::park;
  std::optional<park_reason> reason;  ///< set when parking
  sync_clock::time_point retry_at;    ///< when rescheduling: the job's new not_before
  bool counts_as_attempt = false;     ///< whether failed_attempts grows
  int failed_attempts = 0;            ///< the counter after this decision
  int rate_limit_deferrals = 0;       ///< the counter after this decision
};

/// Decides what happens after a failed sync. `failed_attempts_before` and
/// `rate_limit_deferrals_before` are the job's counters, `random_0_1` a uniform number in [0, 1]
/// for the jitter (clamped). Rules:
/// - recoverable: counts; at max_attempts parks `exceeded`, else reschedules at the error's
///   retry_at when given (never before `now`), else now + backoff;
/// - rate_limited: below max_rate_limit_deferrals reschedules (retry_at or backoff by the number
///   of deferrals) without counting; beyond that it is handled as recoverable;
/// - unrecoverable, config, internal, timeout: park as permanent, config, internal, timeout
///   without counting.
retry_decision decide_retry(int failed_attempts_before, int rate_limit_deferrals_before,
                            const sync_error& error, const retry_policy& policy,
                            sync_clock::time_point now, double random_0_1);

/// The delay before the retry after the `failure_number`-th failure (1-based), jitter included.
std::chrono::milliseconds backoff_delay(int failure_number, const retry_policy& policy,
                                        double random_0_1);

}  // namespace tixsync::providers
