// The HubSpot-shaped mock CRM's access rules as pure, clock-driven pieces: the per-token rolling
// request window (190 per 10 s by default, with a daily count and a per-second view) and the
// rate-limit headers it announces (HubSpot's X-HubSpot-RateLimit-* and the IETF draft's
// RateLimit / RateLimit-Policy), and the OAuth access tokens it issues with their expiry.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace tixsync::app {

using hubspot_clock = std::chrono::steady_clock;

/// Which rate-limit headers the answers carry.
enum class ratelimit_headers { hubspot, ietf, both };

/// "hubspot", "ietf", "both"; nullopt for anything else.
std::optional<ratelimit_headers> parse_ratelimit_headers(const std::string& text);

/// What one request's check found.
struct quota_verdict {
  bool allowed = true;
  int max = 0;        ///< requests per window
  int remaining = 0;  ///< left in the window after this request
  std::chrono::milliseconds window{0};
  std::chrono::milliseconds reset{0};  ///< until the oldest counted request leaves the window
  int secondly = 0;                    ///< max scaled to one second
  int secondly_remaining = 0;
  std::int64_t daily = 0;
  std::int64_t daily_remaining = 0;
};

/// Requests per key (a token) in a rolling window: a request is allowed when fewer than `max`
/// allowed requests of that key fall in the last `window`; refused requests do not count.
/// Thread-safe.
class rolling_quota {
 public:
  rolling_quota(int max, std::chrono::milliseconds window, std::int64_t daily);
  quota_verdict take(const std::string& key, hubspot_clock::time_point now);
  /// The verdict without counting a request (for answers the quota does not apply to).
  quota_verdict peek(const std::string& key, hubspot_clock::time_point now);
  void clear();

 private:
  quota_verdict check(const std::string& key, hubspot_clock::time_point now, bool count);

  const int max_;
  const std::chrono::milliseconds window_;
  const std::int64_t daily_;
  std::mutex mutex_;
  std::map<std::string, std::deque<hubspot_clock::time_point>> recent_;
  std::map<std::string, std::int64_t> today_;
  std::int64_t day_ = -1;  // days since the epoch (UTC) of today_
};

/// The headers announcing `v`, as `which` asks: X-HubSpot-RateLimit-{Max, Remaining,
/// Interval-Milliseconds, Secondly, Secondly-Remaining, Daily, Daily-Remaining} and/or the IETF
/// draft's `RateLimit-Policy: "burst";q=MAX;w=SECONDS` and `RateLimit: "burst";r=LEFT;t=SECONDS`.
std::vector<std::pair<std::string, std::string>> ratelimit_header_list(const quota_verdict& v,
                                                                       ratelimit_headers which);

/// The outcome of checking a bearer token.
enum class token_state { valid, expired, unknown };

/// Access and refresh tokens issued by POST /oauth/v1/token, plus the never-expiring static
/// token of a private app. Thread-safe.
class token_registry {
 public:
  token_registry(std::string static_token, std::chrono::milliseconds ttl, std::uint64_t seed);

  /// A new access token valid for the ttl from `now`.
  std::string issue_access(hubspot_clock::time_point now);
  /// A new refresh token (kept until clear()).
  std::string issue_refresh();
  bool known_refresh(const std::string& token) const;
  /// The state of `token` at `now`; `expired_for` says since when for an expired one.
  token_state check(const std::string& token, hubspot_clock::time_point now,
                    std::chrono::milliseconds* expired_for = nullptr) const;
  /// Whether any check is needed at all (a static token or an OAuth client is configured).
  bool guarding() const { return guarding_; }
  void set_guarding(bool on) { guarding_ = on; }
  std::chrono::milliseconds ttl() const { return ttl_; }
  void clear();

 private:
  std::string random_token(const char* prefix);

  const std::string static_token_;
  const std::chrono::milliseconds ttl_;
  bool guarding_ = false;
  mutable std::mutex mutex_;
  std::mt19937_64 dice_;
  std::map<std::string, hubspot_clock::time_point> access_;  // token -> expiry
  std::map<std::string, bool> refresh_;
};

/// The fields of an application/x-www-form-urlencoded body; nullopt (and `problem` set) when an
/// escape is malformed.
std::optional<std::map<std::string, std::string>> parse_form(const std::string& body,
                                                             std::string& problem);

}  // namespace tixsync::app
