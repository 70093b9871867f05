// The quota a destination announces in its response headers: the IETF RateLimit fields (the
// older RateLimit-Limit/-Remaining/-Reset and the newer RateLimit/RateLimit-Policy structured
// fields), or headers with configured names such as HubSpot's X-HubSpot-RateLimit-*; and the
// board where a provider's responses leave the latest announcement for its guard to read.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "providers/http/http_client.hpp"

namespace tixsync::providers::http {

/// What one response said about the quota. Every part is optional: destinations announce
/// different subsets.
struct announced_quota {
  std::optional<double> remaining;  ///< requests left in the current window
  std::optional<double> limit;      ///< requests allowed per window
  std::optional<double> window_s;   ///< the window, in seconds
  std::optional<double> reset_s;    ///< seconds until the quota is restored
  /// When the response was read (set by quota_board::observe).
  std::chrono::steady_clock::time_point seen{};
  /// The fleet bucket's granted count when the request was sent (quota_board::grants); < 0
  /// unknown. Grants after it are missing from `remaining`.
  double granted_at_send = -1;

  /// The announced rate (limit / window) when both are known and positive.
  std::optional<double> rate() const;
};

/// Header names of a destination that announces its quota outside the IETF fields. An empty
/// name is not read. `window_in_ms` when the window header counts milliseconds.
struct quota_header_names {
  std::string remaining;
  std::string limit;
  std::string window;
  bool window_in_ms = false;
  std::string reset;  ///< delta seconds
  bool empty() const { return remaining.empty() && limit.empty() && window.empty(); }
};

/// Reads the quota from `response`: the configured names first (when set), then the newer IETF
/// fields (`RateLimit: "p";r=50;t=30` with `RateLimit-Policy: "p";q=100;w=60`; with several
/// policies the one with the fewest requests left), then the older ones (`RateLimit-Limit: 100`
/// or `100, 100;w=60`, `RateLimit-Remaining`, `RateLimit-Reset`). nullopt when the response
/// announces no remaining count (a malformed value counts as absent).
std::optional<announced_quota> parse_announced_quota(const http_response& response,
                                                     const quota_header_names& names = {});

/// The latest quota a provider's responses announced, with when it was seen. Thread-safe: the
/// HTTP client's threads record, the guard's thread takes.
class quota_board {
 public:
  explicit quota_board(quota_header_names names = {}) : names_(std::move(names)) {}

  /// Reads `response`'s headers and keeps the announcement (the fewest remaining since the last
  /// take wins: answers arrive out of order, and the lowest count is the safe one).
  /// `granted_at_send`: grants() when the request was sent.
  void observe(const http_response& response, double granted_at_send = -1);
  /// The announcement kept since the last take (and forgets it), or nullopt.
  std::optional<announced_quota> take();
  /// Responses that announced a quota, since start.
  std::uint64_t announcements() const;
  /// The fleet bucket's granted count as last seen by this node (the guard sets it after each
  /// take); -1 before the first.
  double grants() const { return grants_.load(); }
  void set_grants(double granted_total) { grants_.store(granted_total); }

 private:
  quota_header_names names_;
  mutable std::mutex mutex_;
  std::optional<announced_quota> latest_;
  std::uint64_t count_ = 0;
  std::atomic<double> grants_{-1};
};

/// A transport that hands every response's headers to a quota_board, then to the caller.
class quota_watching_transport final : public http_transport {
 public:
  quota_watching_transport(std::shared_ptr<http_transport> inner,
                           std::shared_ptr<quota_board> board)
      : inner_(std::move(inner)), board_(std::move(board)) {}
  void send(http_request request, callback done) override;

 private:
  std::shared_ptr<http_transport> inner_;
  std::shared_ptr<quota_board> board_;
};

}  // namespace tixsync::providers::http
