// The fleet-wide rate limit of a provider: one token bucket per provider in Redis, shared by all
// nodes, taken from by take_tokens-10.lua (atomic, on the server's clock). A node takes tokens in
// chunks and hands them out itself (providers/guard), so a synced object rarely costs a command.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "persistence/keys.hpp"
#include "persistence/redis_connection.hpp"
#include "persistence/script_runner.hpp"

namespace tixsync::persistence {

/// What one take gave.
struct token_grant {
  int granted = 0;                   ///< tokens taken (0..wanted)
  std::chrono::milliseconds wait{};  ///< until the next whole token is there; 0 when one is left
  std::int64_t now_ms = 0;           ///< the time the script used (unix ms)
  double left = 0;                   ///< tokens left in the bucket (to a thousandth)
  std::int64_t granted_total = 0;    ///< tokens the bucket granted in total (this one included)
};

/// The quota the destination last announced, applied to the bucket before a take (see
/// take_tokens-10.lua): what is left until the reset caps and paces the bucket.
struct quota_announcement {
  double remaining = 0;   ///< requests left in the destination's window
  double reset_ms = -1;   ///< until the quota is restored; < 0 unknown
  double window_ms = -1;  ///< the window; < 0 unknown
  double rate = 0;        ///< announced requests per second (limit / window); 0 unknown
  double reserve = 0;     ///< requests sent that the announcement may not count yet
  double age_ms = 0;      ///< how long ago the answer was read
  /// token_grant::granted_total as the sender knew it when the request went out; < 0 unknown.
  double granted_at_send = -1;
};

/// The buckets live in "<prefix>:{<provider>}:rate_limit" (the provider's hash tag, so one
/// Redis Cluster slot with its queue), a hash {tokens, at}, and expire when idle long enough to
/// be full again. Not thread-safe: one per connection.
class rate_limit_store {
 public:
  explicit rate_limit_store(redis_connection& connection, key_space keys = key_space());

  /// Takes up to `wanted` whole tokens from `provider`'s bucket, which fills with `rate` tokens
  /// per second up to `burst` (every node must pass the same values). `now_ms` 0 uses the Redis
  /// server's clock (the normal case: one clock for all nodes); tests pass their own time.
  /// invalid_argument when rate <= 0, burst < 1 or wanted < 1; invalid_identifier for a bad
  /// provider; connection errors as the connection reports them.
  /// With `announced`, the destination's announced quota is applied first: the refill rate
  /// becomes min(rate, announced rate) and the tokens until the reset at most what is left.
  status_or<token_grant> take(const std::string& provider, double rate, int burst, int wanted,
                              std::int64_t now_ms = 0,
                              const std::optional<quota_announcement>& announced = std::nullopt);

  /// "<prefix>:{<provider>}:rate_limit".
  std::string key(const std::string& provider) const;

 private:
  script_runner scripts_;
  key_space keys_;
};

}  // namespace tixsync::persistence
