// Reads from the shop's pretix REST API for the webhook and the resync: one GET, one page or every
// page of a list
// (following "next" only within the shop's base URL, so the token never leaves for another host,
// and never to a page already fetched), through the asynchronous HTTP client: completions run on
// its I/O threads, nothing blocks. A 200 that is not JSON (HTML, a truncated body) is no usable
// answer. Failures are named by a reason the metrics count. The API paths are built here, from
// checked and percent-encoded slugs and codes.
#pragma once

#include <array>
#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

namespace tixsync::providers::http {
class http_transport;
}

namespace tixsync::api {

/// What pretix answered: status 0 when no usable answer came (then `problem` says why).
struct pretix_answer {
  int status = 0;
  std::string body;
  std::string problem;
  /// pretix answered, but with something that cannot be used (not a list page, a `next` off
  /// the shop URL, too many pages, an unreadable event): its problem, not the network's.
  bool unreadable = false;
  /// pretix's Retry-After header as sent ("" when none), e.g. with a 429.
  std::string retry_after;
  /// No answer within the fetch timeout (status 0).
  bool timed_out = false;
  /// The answer is larger than allowed (status 0; the body is not kept).
  bool too_large = false;
  /// pretix's X-Page-Generated header of a list page ("" when none): the time on pretix's clock
  /// at which it began the answer, the next modified_since of a poll for changes.
  std::string page_generated;
};

/// Why a fetch from pretix failed, as tixsync_pretix_fetch_failures_total{reason} counts it.
enum class pretix_failure {
  unreachable,    ///< no connection, or it broke
  timeout,        ///< no answer within [shop] fetch_timeout
  refused_token,  ///< 401 or 403: the shop token is wrong or lacks a permission
  rate_limited,   ///< 429
  http_status,    ///< any other status that is no success
  unreadable,     ///< HTML, truncated JSON, not the resource asked for, a bad page link
  too_large,      ///< larger than the answer bound, or an order over mapping::max_order_bytes
};
inline constexpr std::array<const char*, 7> pretix_failure_names = {
    "unreachable", "timeout",    "refused_token", "rate_limited",
    "http_status", "unreadable", "too_large"};

/// The reason `answer`, which is no usable answer, failed.
pretix_failure pretix_failure_of(const pretix_answer& answer);

/// "" when `body` is JSON; else what pretix answered instead: HTML (by the Content-Type or a
/// leading '<'), JSON that ends early (truncated), or other text, with the byte where it breaks.
std::string pretix_body_problem(const std::string& body, const std::string& content_type);

/// The pages of one list fetched so far: a `next` that names one of them again is a page loop.
class pretix_page_trail {
 public:
  /// "" and the URL remembered when it was not fetched yet; else the problem.
  std::string visit(const std::string& url);

 private:
  std::set<std::string> urls_;
};

/// Why a fetch got `answer` in words: the problem when there was no usable answer, a refused
/// shop token for 401 and 403, rate limiting (with pretix's Retry-After) for 429, else pretix's
/// status.
std::string pretix_failure_reason(const pretix_answer& answer);

/// One page of a pretix list ({"count", "next", "previous", "results"}).
struct pretix_page {
  pretix_answer answer;  ///< status and problem as answered; the body is moved into `results`
  /// True when pretix answered 200 with {"results": [...]} and a `next` under the base URL.
  bool readable = false;
  nlohmann::json results = nlohmann::json::array();
  std::string next;  ///< the next page's URL; "" on the last page
};

/// "" when `value` may be a path segment of a pretix API URL, else what is wrong with it, naming
/// `what` ("organizer", "event", "order code"): empty, "." and ".." are refused (a client or
/// proxy that normalises the path would take them as "this folder" and "the folder above").
std::string pretix_segment_problem(const std::string& what, const std::string& value);

/// pretix_segment_problem of the organizer, else of the event ("" when both may be used).
std::string pretix_event_problem(const std::string& organizer, const std::string& event);

/// "/api/v1/organizers/<organizer>/events/<event>/", both percent-encoded. Throws
/// std::invalid_argument with pretix_segment_problem's message for a refused slug.
std::string pretix_event_path(const std::string& organizer, const std::string& event);
/// The query every order fetch carries: without it pretix hides the positions cancelled on
/// their own, which the sync still updates (pretix's sync iterates all positions).
inline constexpr const char* pretix_order_query = "include_canceled_positions=true";

/// pretix_event_path + "orders/<code>/?" + pretix_order_query, the code percent-encoded and
/// checked as well.
std::string pretix_order_path(const std::string& organizer, const std::string& event,
                              const std::string& code);

class pretix_client {
 public:
  /// `base_url` without a trailing slash is fine ("https://pretix.example"); `token` is sent as
  /// "Authorization: Token <token>". The transport must outlive this client's requests.
  pretix_client(providers::http::http_transport& transport, std::string base_url, std::string token,
                std::chrono::milliseconds timeout);

  /// GET base_url + path ("/api/v1/..."). A 200 whose body is not JSON is answered as status 0,
  /// unreadable, with pretix_body_problem's problem.
  void get(const std::string& path, std::function<void(pretix_answer)> done) const;
  /// Every page of a list: `results` holds the concatenated "results" when the answer is a 200;
  /// at most `max_pages` pages, more, or a `next` naming a page already fetched, is a problem
  /// (status 0, unreadable).
  void get_all(const std::string& path,
               std::function<void(pretix_answer, nlohmann::json results)> done,
               int max_pages = 50) const;
  /// One page of a list at `url` (url_of(path) for the first, a page's `next` after that). A
  /// 200 that is not a list page, or whose `next` leaves the base URL (the token must not go
  /// elsewhere), is unreadable with `answer.problem` saying why.
  void get_page(const std::string& url, std::function<void(pretix_page)> done) const;
  /// The full URL of `path` ("/api/v1/...").
  std::string url_of(const std::string& path) const { return base_url_ + path; }

 private:
  void get_url(const std::string& url, std::function<void(pretix_answer)> done) const;
  /// Reads a 200 answer as a list page.
  pretix_page read_page(pretix_answer answer) const;
  providers::http::http_transport& transport_;
  std::string base_url_;
  std::string token_;
  std::chrono::milliseconds timeout_;
};

}  // namespace tixsync::api
