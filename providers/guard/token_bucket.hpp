// A token bucket: `rate` tokens per second flow into a bucket that holds at most `burst`; a call
// takes one. Answers "granted now" or "a token is available in d". Reads an injectable clock, so
// tests are deterministic. Not thread-safe: its owner serialises the calls.
#pragma once

#include "providers/guard/guard_clock.hpp"

namespace tixsync::providers::guard {

/// The answer of token_bucket::take.
struct token_take {
  bool granted = false;   ///< the tokens were taken
  guard_duration wait{};  ///< when not granted: until enough tokens will have flowed in
};

class token_bucket {
 public:
  /// `rate` tokens per second (<= 0: unlimited, every take is granted), at most `burst` tokens
  /// (>= 1; values below 1 are raised to 1). The bucket starts full.
  token_bucket(double rate, double burst, clock_source clock = real_clock());

  /// Takes `n` tokens (0 < n <= burst) if they are there; otherwise takes nothing and says how
  /// long until they will be. Throws std::invalid_argument when n is outside (0, burst].
  token_take take(double n = 1);
  /// How long until `n` tokens are there (zero when they are now), without taking any. Works
  /// for n > burst too, as an estimate for the n-th caller in line when each takes one.
  guard_duration time_until(double n) const;
  /// Tokens in the bucket now (fractional).
  double available() const;

  double rate() const { return rate_; }
  double burst() const { return burst_; }
  bool unlimited() const { return rate_ <= 0; }

 private:
  double tokens_at(guard_time now) const;

  double rate_;
  double burst_;
  clock_source clock_;
  double tokens_;
  guard_time updated_;
};

}  // namespace tixsync::providers::guard
