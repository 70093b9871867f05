// The node's side of the fleet-wide rate limit: tokens taken from the provider's Redis bucket in
// chunks (up to rate/10, at least 1) and handed out locally; while Redis is unreachable, the
// node's share of the rate (rate / expected_nodes) from a local bucket, with one warning.
// Split in two on purpose: the token pool is read under the guard's lock from any thread, while
// fetch() is called on the guard's own thread only, without the lock. Its Redis call runs on a
// worker pool of one thread of its own (`tx-fleet-0`), not the API's: a token fetch must not
// wait behind the API's queued dashboard and webhook work, and the API pool exists only with
// [http] enabled.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "providers/guard/guard_options.hpp"
#include "providers/guard/token_bucket.hpp"

namespace tixsync::persistence {
template <class State>
class worker_pool;
}  // namespace tixsync::persistence

namespace tixsync::providers::guard {

struct fleet_redis_caller;  // the Redis thread's connection and rate_limit_store

class fleet_rate_limit {
 public:
  /// The answer of one Redis call, to be applied under the lock.
  struct fetch_result {
    bool ok = false;
    int granted = 0;
    guard_duration wait{};
    std::string error;  ///< when !ok: why (no secrets: the connection's message)
  };

  /// `announced`: where the provider's responses leave announced quotas (may be null).
  fleet_rate_limit(std::string provider, const limit_options& limits, fleet_options fleet,
                   log_sink log, clock_source clock,
                   std::shared_ptr<http::quota_board> announced = nullptr);
  ~fleet_rate_limit();
  fleet_rate_limit(const fleet_rate_limit&) = delete;
  fleet_rate_limit& operator=(const fleet_rate_limit&) = delete;

  // --- under the guard's lock ---
  /// Takes one token from the pool (or, in fallback, from the per-node share).
  bool try_take();
  /// Whether Redis should be asked now (pool empty, no known wait, not in fallback).
  bool should_fetch() const;
  /// How many tokens to ask for when `waiting` calls wait: min(waiting, chunk), at least 1.
  int wanted(std::size_t waiting) const;
  /// Until a token may be there (after a fetch said so, or from the fallback share).
  guard_duration wait() const;
  /// Estimated wait of the `position`-th caller in line (0-based).
  guard_duration estimate(std::size_t position) const;
  /// Adds a fetch's tokens, or enters the fallback (logging a warning once per outage).
  void apply(const fetch_result& result);
  void add_stats(guard_stats& stats) const;

  // --- on the guard's thread, without the lock ---
  /// One take_tokens call, applying the latest announced quota first; `in_flight` calls of this
  /// node may not be counted in it yet (they are kept in reserve). Waits for the Redis thread.
  fetch_result fetch(int wanted, int in_flight = 0);

  int chunk() const { return chunk_; }

 private:
  void drop_stale(guard_time now);

  std::string provider_;
  double rate_;
  int burst_;
  int chunk_;
  int nodes_;
  fleet_options fleet_;
  log_sink log_;
  clock_source clock_;
  std::unique_ptr<persistence::worker_pool<fleet_redis_caller>> redis_;
  token_bucket fallback_;
  int pool_ = 0;
  guard_time pool_expires_{};
  guard_time redis_not_before_{};
  bool in_fallback_ = false;
  std::shared_ptr<http::quota_board> announced_;
  std::uint64_t calls_ = 0, taken_ = 0, failures_ = 0;
  std::atomic<std::uint64_t> applied_{0};
  /// The rate the destination last announced (0: none yet), for the estimates.
  std::atomic<double> announced_rate_{0};
};

}  // namespace tixsync::providers::guard
