// HTTP requests counted by outcome ("2xx" ... "5xx", "timeout", "network-error"): the HTTP client
// counts each request once where it completes, and whoever reports on the provider (its guard,
// the metrics) reads the counts. Also two gauges of the client's connection pools: connections
// open and requests waiting for one; and the OAuth2 token requests among them. Lock-free
// atomics; plain C++, cheap to include.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "providers/http/http_client.hpp"

namespace tixsync::providers::http {

/// How one request ended, as the metrics label it.
enum class request_outcome {
  status_2xx,
  status_3xx,
  status_4xx,
  status_5xx,
  timeout,
  network_error
};

/// Counts of requests by outcome since creation (they only grow), and the pool gauges.
/// Thread-safe, lock-free.
class request_tally {
 public:
  static constexpr std::size_t outcome_count = 6;

  /// "2xx", "3xx", "4xx", "5xx", "timeout", "network-error".
  static const char* label(request_outcome outcome) {
    static constexpr const char* labels[outcome_count] = {"2xx", "3xx",     "4xx",
                                                          "5xx", "timeout", "network-error"};
    return labels[static_cast<std::size_t>(outcome)];
  }

  /// The outcome of a response with this status. A final status outside 200..599 (e.g. a 101
  /// the client did not ask for) is no usable answer and counts as "network-error".
  static request_outcome of_status(int status) {
    if (status >= 200 && status < 300) return request_outcome::status_2xx;
    if (status >= 300 && status < 400) return request_outcome::status_3xx;
    if (status >= 400 && status < 500) return request_outcome::status_4xx;
    if (status >= 500 && status < 600) return request_outcome::status_5xx;
    return request_outcome::network_error;
  }

  /// The outcome of a request that got no response; nullopt when nothing was sent (a bad URL).
  static std::optional<request_outcome> of_error(transport_error_kind kind) {
    switch (kind) {
      case transport_error_kind::bad_url:
      case transport_error_kind::credentials:  // nothing sent; the token request counts itself
        return std::nullopt;
      case transport_error_kind::timeout:
        return request_outcome::timeout;
      default:
        return request_outcome::network_error;
    }
  }

  void add(request_outcome outcome) {
    counts_[static_cast<std::size_t>(outcome)].fetch_add(1, std::memory_order_relaxed);
  }

  std::uint64_t count(request_outcome outcome) const {
    return counts_[static_cast<std::size_t>(outcome)].load(std::memory_order_relaxed);
  }

  /// Every outcome in label order ("2xx", "3xx", "4xx", "5xx", "timeout", "network-error"),
  /// zeros included.
  std::vector<std::pair<std::string, std::uint64_t>> counts() const {
    std::vector<std::pair<std::string, std::uint64_t>> out;
    out.reserve(outcome_count);
    for (std::size_t i = 0; i < outcome_count; ++i) {
      const auto outcome = static_cast<request_outcome>(i);
      out.emplace_back(label(outcome), count(outcome));
    }
    return out;
  }

  /// Connections of the client now, every host together: opening, busy or idle.
  std::int64_t connections() const { return connections_.load(std::memory_order_relaxed); }
  /// Requests waiting for a free connection now (a host's connections are all busy and at
  /// max_connections_per_host).
  std::int64_t waiting() const { return waiting_.load(std::memory_order_relaxed); }
  /// For the client's pools: the changes of the two gauges.
  void add_connections(std::int64_t delta) {
    connections_.fetch_add(delta, std::memory_order_relaxed);
  }
  void add_waiting(std::int64_t delta) { waiting_.fetch_add(delta, std::memory_order_relaxed); }

  /// OAuth2 token requests of the provider (also counted above by outcome) and those that gave
  /// no usable token (an error status, no answer, no access_token).
  void add_token_request(bool failed) {
    token_requests_.fetch_add(1, std::memory_order_relaxed);
    if (failed) token_failures_.fetch_add(1, std::memory_order_relaxed);
  }
  std::uint64_t token_requests() const { return token_requests_.load(std::memory_order_relaxed); }
  std::uint64_t token_failures() const { return token_failures_.load(std::memory_order_relaxed); }

 private:
  std::array<std::atomic<std::uint64_t>, outcome_count> counts_{};
  std::atomic<std::int64_t> connections_{0};
  std::atomic<std::int64_t> waiting_{0};
  std::atomic<std::uint64_t> token_requests_{0};
  std::atomic<std::uint64_t> token_failures_{0};
};

}  // namespace tixsync::providers::http
