// The classification of HTTP results into success, not found and sync errors, with messages that
// name the call without its query string (a secret URL by its origin only) and carry a short body
// excerpt.
#include "providers/rest/response_classification.hpp"

#include <chrono>

namespace tixsync::providers::rest {
namespace {

constexpr std::size_t full_message_body_limit = 4000;

bool is_recoverable_status(int status) {
  return status == 408 || status == 425 || status == 429 || (status >= 500 && status <= 599);
}

std::string status_signature(int status) {
  return "http-" + std::to_string(status);
}

/// Messages and full message for a failed call: "<call> failed: <what>" and the body.
sync_error make_error(sync_error_kind kind, const http_call& call, const std::string& what,
                      const std::string& body, std::string signature) {
  sync_error error;
  error.kind = kind;
  error.signature = std::move(signature);
  error.messages.push_back(describe(call) + " failed: " + what);
  error.log_text = describe_for_log(call) + " failed: " + what;
  const std::string excerpt = body_excerpt(body);
  if (!excerpt.empty()) error.messages.push_back("Response: " + excerpt);
  error.full_message = error.messages.front();
  if (!body.empty()) {
    error.full_message += "\nResponse body: " + body_excerpt(body, full_message_body_limit);
  }
  return error;
}

const char* transport_signature(http::transport_error_kind kind) {
  switch (kind) {
    case http::transport_error_kind::bad_url:
      return "bad-url";
    case http::transport_error_kind::resolve:
      return "resolve";
    case http::transport_error_kind::connect:
      return "connect";
    case http::transport_error_kind::tls:
      return "tls";
    case http::transport_error_kind::timeout:
      return "timeout";
    case http::transport_error_kind::closed:
      return "closed";
    case http::transport_error_kind::protocol:
      return "protocol";
    case http::transport_error_kind::body_too_large:
      return "body-too-large";
    case http::transport_error_kind::shutdown:
      return "shutdown";
    case http::transport_error_kind::credentials:
      return "oauth-token";
  }
  return "transport";
}

sync_error transport_failure(const http::transport_error& failure, const http_call& call) {
  sync_error_kind kind = sync_error_kind::recoverable;
  if (failure.kind == http::transport_error_kind::bad_url) kind = sync_error_kind::config;
  if (failure.kind == http::transport_error_kind::body_too_large) {
    kind = sync_error_kind::unrecoverable;
  }
  std::string what = transport_signature(failure.kind);
  std::string message = failure.message;
  // A bad_url message quotes the URL: a secret one is replaced by its shown form.
  if (call.url_is_secret && !call.url.empty()) {
    const std::string shown = describe(call).substr(call.method.size() + 1);
    for (auto at = message.find(call.url); at != std::string::npos;
         at = message.find(call.url, at + shown.size())) {
      message.replace(at, call.url.size(), shown);
    }
  }
  if (!message.empty()) what += " (" + message + ")";
  return make_error(kind, call, what, {}, transport_signature(failure.kind));
}

sync_error status_failure(const http::http_response& response, const http_call& call,
                          sync_clock::time_point now) {
  const int status = response.status;
  if (!is_recoverable_status(status)) {
    return make_error(sync_error_kind::unrecoverable, call, "HTTP " + std::to_string(status),
                      response.body, status_signature(status));
  }
  const auto kind = status == 429 ? sync_error_kind::rate_limited : sync_error_kind::recoverable;
  sync_error error = make_error(kind, call, "HTTP " + std::to_string(status), response.body,
                                status_signature(status));
  if (const auto retry_after = response.header("Retry-After")) {
    error.retry_at = http::parse_retry_after(*retry_after, now);
  }
  return error;
}

}  // namespace

std::string url_without_query(const std::string& url) {
  return url.substr(0, url.find_first_of("?#"));
}

std::string url_origin(const std::string& url) {
  const auto scheme = url.find("://");
  const auto start = scheme == std::string::npos ? 0 : scheme + 3;
  const auto end = std::min(url.find_first_of("/?#", start), url.size());
  const auto at = url.rfind('@', end);
  const auto host = at == std::string::npos || at < start ? start : at + 1;
  return url.substr(0, start) + url.substr(host, end - host);
}

std::string describe(const http_call& call) {
  if (call.url_is_secret) return call.method + " " + url_origin(call.url) + "/\u2026";
  return call.method + " " + url_without_query(call.url);
}

std::string describe_for_log(const http_call& call) {
  if (call.url_is_secret) return describe(call);
  // A path may carry an id value (HubSpot reads a contact at /contacts/{email}?idProperty=email):
  // a segment holding an e-mail address is left out.
  const std::string url = url_without_query(call.url);
  const auto authority = url.find("//");
  const auto path = url.find('/', authority == std::string::npos ? 0 : authority + 2);
  if (path == std::string::npos) return call.method + " " + url;
  std::string logged = url.substr(0, path);
  std::size_t at = path;
  while (at < url.size()) {
    const auto next = std::min(url.find('/', at + 1), url.size());
    const std::string segment = url.substr(at, next - at);
    const bool email =
        segment.find('@') != std::string::npos || segment.find("%40") != std::string::npos;
    logged += email ? "/{e-mail}" : segment;
    at = next;
  }
  return call.method + " " + logged;
}

std::string outcome_for_log(const http::http_result& result) {
  std::string outcome;
  if (result.response) {
    outcome = std::to_string(result.response->status);
  } else {
    outcome = to_string(result.error ? result.error->kind : http::transport_error_kind::closed);
  }
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(result.elapsed).count();
  return outcome + " (" + std::to_string(ms) + " ms)";
}

std::string body_excerpt(const std::string& body, std::size_t limit) {
  std::string line;
  line.reserve(std::min(body.size(), limit));
  for (char c : body) {
    const auto u = static_cast<unsigned char>(c);
    line += (u < 0x20 || u == 0x7f) ? ' ' : c;
  }
  // Trim surrounding blanks (a trailing newline is common).
  const auto first = line.find_first_not_of(' ');
  if (first == std::string::npos) return {};
  line = line.substr(first, line.find_last_not_of(' ') - first + 1);
  if (line.size() <= limit) return line;
  const std::string ellipsis = "...";
  std::size_t cut = limit > ellipsis.size() ? limit - ellipsis.size() : 0;
  // Do not split a UTF-8 sequence: back up over continuation bytes.
  while (cut > 0 && (static_cast<unsigned char>(line[cut]) & 0xc0) == 0x80) --cut;
  return line.substr(0, cut) + ellipsis;
}

classified_response classify_response(const http::http_result& result, const http_call& call,
                                      sync_clock::time_point now) {
  if (!result.response) {
    const http::transport_error failure = result.error.value_or(http::transport_error{
        http::transport_error_kind::closed, "no response and no error reported"});
    return {response_kind::failed, transport_failure(failure, call)};
  }
  const http::http_response& response = *result.response;
  if (response.status >= 200 && response.status <= 299) return {response_kind::success, {}};
  if (response.status == 404 && call.not_found_is_answer) return {response_kind::not_found, {}};
  return {response_kind::failed, status_failure(response, call, now)};
}

sync_error bad_response_error(const http_call& call, const http::http_response& response,
                              const std::string& problem) {
  return make_error(sync_error_kind::unrecoverable, call,
                    "HTTP " + std::to_string(response.status) + ", but " + problem, response.body,
                    "bad-response");
}

}  // namespace tixsync::providers::rest
