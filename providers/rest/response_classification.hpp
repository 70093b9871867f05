// How an HTTP exchange ends for a sync: success, "not found" (a 404 where the provider looks
// something up), or a sync_error of the kind the retry decision needs: 408/425/429/5xx and
// transport failures are recoverable (429 rate-limited) with Retry-After honoured, other 4xx
// are permanent. A pure function of the http_result, tested on its own.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "providers/http/http_client.hpp"
#include "providers/sync_error.hpp"

namespace tixsync::providers::rest {

/// The request an http_result answers, as the messages name it.
struct http_call {
  std::string method;
  std::string url;
  /// Whether a 404 is an answer ("no such object") rather than an error: lookups and gets.
  bool not_found_is_answer = false;
  /// Whether the call creates an object (a 409 then means it exists already).
  bool is_create = false;
  /// Whether the URL path is a secret (a webhook's, like Slack's /services/T000/B000/XXXX):
  /// messages and log lines then show the URL's origin only.
  bool url_is_secret = false;
};

enum class response_kind { success, not_found, failed };

struct classified_response {
  response_kind kind = response_kind::failed;
  /// Set when kind is failed.
  std::optional<sync_error> error;
};

/// Classifies `result`:
/// - 2xx: success; 404 with call.not_found_is_answer: not_found;
/// - 408, 425, 5xx: recoverable, signature "http-<status>"; 429: rate_limited, "http-429";
///   retry_at from Retry-After (seconds or HTTP date, relative to `now`) when present;
/// - any other status (3xx, 4xx): unrecoverable, "http-<status>";
/// - transport errors: recoverable with the kind as signature ("timeout", "connect", "tls",
///   "resolve", "closed", "protocol", "shutdown"), except bad_url (config, "bad-url") and
///   body_too_large (unrecoverable, "body-too-large").
/// The messages name the method, the URL without its query string and the status (or transport
/// failure), plus a body excerpt of at most 300 characters; full_message has up to 4000.
classified_response classify_response(const http::http_result& result, const http_call& call,
                                      sync_clock::time_point now = sync_clock::now());

/// The URL without "?query" and "#fragment" (queries may carry personal data such as e-mails).
std::string url_without_query(const std::string& url);

/// The body as one line (control characters become spaces), cut at a UTF-8 boundary so the
/// result, including a trailing "...", has at most `limit` bytes.
std::string body_excerpt(const std::string& body, std::size_t limit = 300);

/// "scheme://host[:port]" of `url`, without userinfo, path, query and fragment.
std::string url_origin(const std::string& url);

/// "POST http://crm/api/contact" (without the query string); with url_is_secret
/// "POST https://hooks.example.com/…" (the origin only).
std::string describe(const http_call& call);
/// describe() for log lines: path segments holding an e-mail address read "{e-mail}".
std::string describe_for_log(const http_call& call);
/// How an exchange ended, for debug lines: "201 (12 ms)", "timeout (2000 ms)".
std::string outcome_for_log(const http::http_result& result);

/// An unrecoverable error for a 2xx response the provider cannot use (not JSON, no id at the
/// configured path...): names the call and the problem, with a body excerpt; "bad-response".
sync_error bad_response_error(const http_call& call, const http::http_response& response,
                              const std::string& problem);

}  // namespace tixsync::providers::rest
