// A provider's retry settings as the config holds them ([providers.retry]): the backoff mode, its
// delays, jitter and attempt limits. The decision made from them is providers/retry_policy.hpp's;
// this header depends on nothing, so config/ and providers/ can both include it.
#pragma once

#include <chrono>

namespace tixsync::config {

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

}  // namespace tixsync::config
