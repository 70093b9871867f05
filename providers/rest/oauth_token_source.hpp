// The OAuth2 access token of one provider on one node (RFC 6749, client_credentials and
// refresh_token grants): fetched from the token endpoint with a form-encoded POST, cached until
// shortly before it expires, fetched once for all requests waiting at the same time (single
// flight), and dropped when the destination refuses it. Secrets never appear in its errors.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "providers/http/http_client.hpp"
#include "providers/http/request_tally.hpp"
#include "providers/rest/connection_settings.hpp"

namespace tixsync::providers::rest {

/// A token, or why there is none (kind credentials, naming the token URL).
struct token_outcome {
  std::optional<std::string> access_token;
  std::optional<http::transport_error> error;
};

/// What a token answer gave: the token and how long it may be used.
struct token_grant_answer {
  std::string access_token;
  std::chrono::seconds lifetime{0};
  std::optional<std::string> refresh_token;  ///< a rotated refresh token, when sent
};

/// Reads a token endpoint's 2xx body (RFC 6749 5.1): a JSON object with a string access_token,
/// token_type "bearer" (any case; absent is accepted) and expires_in (a number or digits; absent
/// or not positive: `without_expiry`). Returns the problem for people (no secrets) otherwise.
std::optional<std::string> read_token_answer(const std::string& body,
                                             std::chrono::seconds without_expiry,
                                             token_grant_answer& out);

/// application/x-www-form-urlencoded encoding of one value (RFC 6749 appendix B).
std::string form_encode(const std::string& value);

/// How long before its expiry a token is replaced: a tenth of its lifetime, at most 60 s.
std::chrono::milliseconds refresh_margin(std::chrono::seconds lifetime);

class oauth_token_source : public std::enable_shared_from_this<oauth_token_source> {
 public:
  using clock_source = std::function<std::chrono::steady_clock::time_point()>;
  using token_callback = std::function<void(token_outcome)>;

  /// Counters for metrics and tests.
  struct stats {
    std::uint64_t fetches = 0;   ///< token requests sent
    std::uint64_t failures = 0;  ///< token requests that gave no usable token
  };

  /// A token answer without expires_in is used this long.
  static constexpr std::chrono::seconds lifetime_without_expiry{60};

  /// `auth` must be of type oauth2; the token requests go through `transport` with `timeout`.
  /// `tally` (may be null) counts the token requests for the metrics.
  oauth_token_source(auth_settings auth, std::shared_ptr<http::http_transport> transport,
                     std::chrono::milliseconds timeout, clock_source clock = {},
                     std::shared_ptr<http::request_tally> tally = nullptr);

  /// Calls `done` with the cached token (inline), or after the one fetch in flight (on the
  /// transport's thread); starts the fetch when none runs.
  void get(token_callback done);
  /// Forgets `token` when it is still the cached one (the destination answered 401 to it), so
  /// the next get() fetches a new one; many refusals of the same token cause one fetch.
  void invalidate(const std::string& token);
  stats counters() const;

 private:
  http::http_request token_request() const;
  void fetched(const http::http_result& result);
  http::transport_error failure(const std::string& what) const;

  auth_settings auth_;
  std::shared_ptr<http::http_transport> transport_;
  std::chrono::milliseconds timeout_;
  clock_source clock_;
  std::shared_ptr<http::request_tally> tally_;

  mutable std::mutex mutex_;
  std::optional<std::string> token_;
  std::chrono::steady_clock::time_point refresh_at_{};
  std::string refresh_token_;  ///< the latest refresh token (rotated ones replace it)
  bool fetching_ = false;
  std::vector<token_callback> waiting_;
  std::atomic<std::uint64_t> fetches_{0}, failures_{0};
};

}  // namespace tixsync::providers::rest
