// decide_retry and the backoff delays: exponential with a cap, or fixed, both with jitter.
#include "providers/retry_policy.hpp"

#include <algorithm>
#include <cmath>

namespace tixsync::providers {
namespace {

using std::chrono::milliseconds;

retry_decision park(park_reason reason, int failed_attempts, int deferrals, bool counts) {
  retry_decision decision;
  decision.action = retry_action::park;
  decision.reason = reason;
  decision.counts_as_attempt = counts;
  decision.failed_attempts = failed_attempts;
  decision.rate_limit_deferrals = deferrals;
  return decision;
}

retry_decision reschedule(sync_clock::time_point at, int failed_attempts, int deferrals,
                          bool counts) {
  retry_decision decision;
  decision.action = retry_action::reschedule;
  decision.retry_at = at;
  decision.counts_as_attempt = counts;
  decision.failed_attempts = failed_attempts;
  decision.rate_limit_deferrals = deferrals;
  return decision;
}

/// The error's own retry_at wins (a server knows best), but a time in the past means "now".
sync_clock::time_point retry_time(const sync_error& error, sync_clock::time_point now,
                                  milliseconds backoff) {
  if (error.retry_at) return std::max(*error.retry_at, now);
  return now + std::chrono::duration_cast<sync_clock::duration>(backoff);
}

retry_decision on_recoverable(int attempts_before, int deferrals, const sync_error& error,
                              const retry_policy& policy, sync_clock::time_point now,
                              double random_0_1) {
  const int attempts = attempts_before + 1;
  // pretix: failed_attempts += 1, then park when failed_attempts >= max_attempts.
  if (attempts >= policy.max_attempts) {
    return park(park_reason::exceeded, attempts, deferrals, true);
  }
  const auto at = retry_time(error, now, backoff_delay(attempts, policy, random_0_1));
  return reschedule(at, attempts, deferrals, true);
}

}  // namespace

const char* to_string(park_reason reason) {
  switch (reason) {
    case park_reason::exceeded:
      return "exceeded";
    case park_reason::permanent:
      return "permanent";
    case park_reason::config:
      return "config";
    case park_reason::internal:
      return "internal";
    case park_reason::timeout:
      return "timeout";
  }
  return "internal";
}

const char* to_string(retry_action action) {
  return action == retry_action::reschedule ? "reschedule" : "park";
}

milliseconds backoff_delay(int failure_number, const retry_policy& policy, double random_0_1) {
  const double r = std::clamp(random_0_1, 0.0, 1.0);
  const double jitter = std::clamp(policy.jitter, 0.0, 1.0);
  const double spread = 1.0 + jitter * (2.0 * r - 1.0);
  if (policy.mode == backoff_mode::fixed) {
    return milliseconds(std::llround(static_cast<double>(policy.fixed_delay.count()) * spread));
  }
  // Computed in double so large failure numbers saturate at the cap instead of overflowing.
  const int exponent = std::clamp(failure_number - 1, 0, 62);
  const double cap = static_cast<double>(policy.cap.count());
  const double raw = static_cast<double>(policy.base.count()) * std::ldexp(1.0, exponent);
  // Jitter first, then the cap: the cap is a real maximum, and capped delays still spread
  // downwards so that a burst of failures does not retry in lockstep.
  return milliseconds(std::llround(std::min(std::min(raw, cap) * spread, cap)));
}

retry_decision decide_retry(int failed_attempts_before, int rate_limit_deferrals_before,
                            const sync_error& error, const retry_policy& policy,
                            sync_clock::time_point now, double random_0_1) {
  const int attempts = failed_attempts_before;
  const int deferrals = rate_limit_deferrals_before;
  switch (error.kind) {
    case sync_error_kind::rate_limited:
      if (deferrals < policy.max_rate_limit_deferrals) {
        const auto backoff = backoff_delay(deferrals + 1, policy, random_0_1);
        return reschedule(retry_time(error, now, backoff), attempts, deferrals + 1, false);
      }
      return on_recoverable(attempts, deferrals, error, policy, now, random_0_1);
    case sync_error_kind::recoverable:
      return on_recoverable(attempts, deferrals, error, policy, now, random_0_1);
    case sync_error_kind::unrecoverable:
      return park(park_reason::permanent, attempts, deferrals, false);
    case sync_error_kind::config:
      return park(park_reason::config, attempts, deferrals, false);
    case sync_error_kind::timeout:
      return park(park_reason::timeout, attempts, deferrals, false);
    case sync_error_kind::internal:
      break;
  }
  return park(park_reason::internal, attempts, deferrals, false);
}

}  // namespace tixsync::providers
