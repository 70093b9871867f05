// A provider decorator that protects the external system behind it: a circuit breaker that pauses
// a failing system, a limit of calls in flight per node and a rate limit (per node, or fleet-wide
// through Redis). Callers never block: a call that must wait is queued and started later, by the
// thread whose completion frees a slot (when a token is at hand) or by the guard's own timer
// thread; one that would wait too long is answered rate_limited at once, so the queue item is
// rescheduled without using an attempt.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "providers/guard/guard_options.hpp"
#include "providers/latency_histogram.hpp"
#include "providers/provider.hpp"

namespace tixsync::providers::guard {

/// Wraps `inner` (usually a configured_provider); everything but sync_object passes through.
/// Thread-safe. Every completion handed to sync_object is called exactly once: by the inner
/// provider, or by the guard with "circuit-open" / "local-rate-limit" (rate_limited) or
/// "shutting-down" (recoverable).
class guarded_provider final : public provider {
 public:
  /// Starts the guard's timer thread. Throws std::invalid_argument without an inner provider,
  /// or for a shared rate without options.fleet.
  guarded_provider(guard_options options, std::shared_ptr<provider> inner);
  /// Stops the timer thread (waiting calls get "shutting-down"); does not close the inner
  /// provider (close() does).
  ~guarded_provider() override;

  std::string identifier() const override { return inner_->identifier(); }
  std::string display_name() const override { return inner_->display_name(); }
  const std::vector<mapping::mapping_definition>& mappings() const override {
    return inner_->mappings();
  }
  std::optional<std::string> list_joiner() const override { return inner_->list_joiner(); }
  bool change_detection() const override { return inner_->change_detection(); }
  providers::retry_policy retry_policy() const override { return inner_->retry_policy(); }
  bool should_sync_order(const mapping::order& order) const override {
    return inner_->should_sync_order(order);
  }

  /// (a) circuit open: completes at once with "circuit-open", retry_at when it may close;
  /// while a half-open probe is in flight the call waits for its outcome instead (up to
  /// max_wait, then "circuit-open"), so a probe that closes the circuit starts it at once;
  /// (b) waits (without blocking) for a slot and a token; completes at once with
  /// "local-rate-limit" when the wait would exceed max_wait or max_waiting calls already wait,
  /// and after max_wait when still waiting; (c) calls the inner provider and, on its
  /// completion, records the result in the breaker and frees the slot, starting the first
  /// waiting call on the completing thread when it may go now.
  void sync_object(object_request request, object_completion done) override;
  /// What pace_call's `go` is called with: nullopt to send the call now, or the error to answer
  /// every object of the call with.
  using call_go = std::function<void(std::optional<sync_error>)>;
  /// One rate token for one HTTP call that carries objects of guard_options::batched_types
  /// (their slots are taken by sync_object; this takes none). Never blocks: `go` is called
  /// exactly once, with nullopt at once or, after a wait, from the guard's thread; with
  /// "local-rate-limit" (rate_limited) when the wait would exceed max_wait or max_waiting calls
  /// already wait, or after max_wait; with "shutting-down" once closed. Waiting batch calls get
  /// tokens before waiting sync_object calls: only their answers free their objects' slots.
  void pace_call(call_go go);
  /// Not limited: passed straight to the inner provider.
  void finalize_sync_order(finalize_request request, finalize_completion done) override {
    inner_->finalize_sync_order(std::move(request), std::move(done));
  }
  /// Stops the timer thread, completes waiting calls with "shutting-down", closes the inner
  /// provider. Idempotent; later sync_object calls complete with "shutting-down".
  void close() override;

  /// A snapshot of the counters and gauges.
  guard_stats stats() const;
  /// How long the inner provider's calls (the external requests) took, from admission to
  /// completion (tixsync_external_request_seconds).
  histogram_snapshot request_latency() const;
  /// HTTP requests this provider sent, by outcome
  /// ("2xx","3xx","4xx","5xx","timeout","network-error"), since start. Thread-safe. Every label is
  /// present, in that order, even when 0 (all 0 without guard_options::http_requests).
  std::vector<std::pair<std::string, std::uint64_t>> http_request_counts() const;
  /// The HTTP client's connections now and the requests waiting for a free one (0 and 0
  /// without guard_options::http_requests).
  std::int64_t http_connections() const;
  std::int64_t http_waiting() const;
  /// OAuth2 token requests since start, and those that gave no token (0 without OAuth2).
  std::uint64_t oauth_token_requests() const { return http_requests_->token_requests(); }
  std::uint64_t oauth_token_failures() const { return http_requests_->token_failures(); }

  class state;

 private:
  std::shared_ptr<provider> inner_;
  std::shared_ptr<state> state_;
  std::shared_ptr<const http::request_tally> http_requests_;
  std::atomic<bool> inner_closed_{false};
};

}  // namespace tixsync::providers::guard
