// The retry decision: a pure function of the attempt counters, the error and the provider's
// policy that says "reschedule at t" or "park as <reason>". The queue transition it triggers is
// the persistence layer's business; nothing here reads a clock or a random source.
#pragma once

#include <chrono>
#include <optional>

#include "config/retry_settings.hpp"
#include "providers/sync_error.hpp"

namespace tixsync::providers {

// The settings live with the config (config/retry_settings.hpp); the decision made from them here.
using config::backoff_mode;
using config::retry_policy;

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
