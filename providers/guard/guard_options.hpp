// What a guarded provider is told (its limits, circuit breaker, the Redis of the fleet-wide rate
// limit, where to log, which clock) and what it reports (guard_stats, for metrics and logs).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "persistence/redis_connection.hpp"
#include "providers/guard/circuit_breaker.hpp"
#include "providers/guard/guard_clock.hpp"
#include "providers/http/rate_limit_headers.hpp"
#include "providers/http/request_tally.hpp"
#include "providers/log_sink.hpp"

namespace tixsync::providers::guard {

/// The limits of one provider, as `[providers.limits]` gives them.
struct limit_options {
  int concurrency = 16;  ///< sync_object calls in flight per node (>= 1)
  double rate = 0;       ///< calls per second; 0 = unlimited
  int burst = 1;         ///< calls that may go at once after a quiet time (>= 1)
  /// true: `rate` is the whole fleet's, shared through Redis (needs fleet_options::redis).
  bool shared = false;
  /// A call that would wait longer than this (for a token or a slot) is answered rate_limited.
  std::chrono::milliseconds max_wait{2000};
  /// Calls that may wait at once; more are answered rate_limited.
  std::size_t max_waiting = 10000;
  /// Nodes expected to share the rate. While Redis is unreachable each node allows
  /// rate / expected_nodes (fail-safe: never more than the fleet's rate in total).
  int expected_nodes = 1;
};

/// How the shared (fleet-wide) rate limit reaches Redis.
struct fleet_options {
  /// The guard opens its own connection with these (one connect attempt per try, so an outage
  /// stalls the guard's thread at most connect_timeout per try).
  persistence::connection_options redis;
  std::string key_prefix = "tixsync";
  /// While Redis is unreachable: how long to use the per-node share before trying again.
  std::chrono::milliseconds retry_redis_after{5000};
  /// Tokens taken from Redis and not used within this time are dropped, so tokens saved up on
  /// one node never add to the fleet's rate later.
  std::chrono::milliseconds token_lifetime{1000};
};

struct guard_options {
  limit_options limits;
  circuit_breaker_options circuit;
  /// Required when limits.shared and limits.rate > 0.
  std::optional<fleet_options> fleet;
  log_sink log;
  clock_source clock = real_clock();
  /// The inner provider's HTTP requests by outcome, as its HTTP client counts them (null for a
  /// provider without one: the counts stay 0).
  std::shared_ptr<const http::request_tally> http_requests;
  /// Where the inner provider's responses leave the quota the destination announces
  /// ([providers.limits] follow_rate_limit_headers); applied to the fleet-wide bucket with each
  /// take. Null: announcements are not followed. Needs a shared rate.
  std::shared_ptr<http::quota_board> announced_quota;
  /// External object types whose objects take no rate token in sync_object: the inner provider
  /// sends them in batch calls and takes one token per HTTP call (guarded_provider::pace_call),
  /// since a destination's quota counts requests. They still take a concurrency slot and go
  /// through the circuit breaker.
  std::set<std::string> batched_types;
};

/// Counters and gauges of one guarded provider. Counters only grow.
struct guard_stats {
  circuit_state circuit = circuit_state::closed;
  std::uint64_t times_opened = 0;               ///< circuit openings
  int consecutive_failures = 0;                 ///< counted failures in a row (closed circuit)
  int in_flight = 0;                            ///< calls of the inner provider running now
  std::size_t waiting = 0;                      ///< calls waiting for a slot or a token now
  std::uint64_t admitted = 0;                   ///< calls handed to the inner provider
  std::uint64_t rejected_circuit_open = 0;      ///< answered "circuit-open"
  std::uint64_t rejected_local_rate_limit = 0;  ///< answered "local-rate-limit"
  std::uint64_t rejected_shutting_down = 0;     ///< answered "shutting-down"
  std::uint64_t redis_calls = 0;                ///< take_tokens calls
  std::uint64_t redis_tokens_taken = 0;         ///< tokens they granted
  std::uint64_t redis_failures = 0;             ///< take_tokens calls that failed
  bool redis_fallback = false;                  ///< using the per-node share (Redis unreachable)
  std::uint64_t quota_announcements = 0;        ///< responses that announced a quota
  std::uint64_t quota_applied = 0;              ///< announcements applied to the shared bucket
  std::uint64_t paced_calls = 0;                ///< batch calls given a token (pace_call)
  std::uint64_t rejected_paced_calls = 0;       ///< batch calls answered "local-rate-limit"
};

}  // namespace tixsync::providers::guard
