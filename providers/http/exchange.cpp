// One request on its way (see exchange.hpp): building the Beast request message with its
// checks, converting the response back, and the exactly-once completion with the counters.
#include "providers/http/exchange.hpp"

#include <boost/asio/post.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>
#include <cctype>
#include <cstring>
#include <stdexcept>
#include <utility>

namespace tixsync::providers::http::detail {
namespace http = boost::beast::http;

namespace {

bool is_token(const std::string& text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (!std::isalnum(static_cast<unsigned char>(c)) &&
        std::strchr("!#$%&'*+-.^_`|~", c) == nullptr) {
      return false;
    }
  }
  return true;
}

bool is_field_value(const std::string& text) {
  for (char c : text) {
    if (c == '\r' || c == '\n' || c == '\0') return false;
  }
  return true;
}

bool same_name(const std::string& a, const char* b) {
  const std::size_t n = std::strlen(b);
  if (a.size() != n) return false;
  for (std::size_t i = 0; i < n; ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != b[i]) return false;
  }
  return true;
}

std::string host_field(const parsed_url& url) {
  const bool ipv6 = url.host.find(':') != std::string::npos;
  std::string host = ipv6 ? "[" + url.host + "]" : url.host;
  if (url.port != (url.tls ? 443 : 80)) host += ":" + std::to_string(url.port);
  return host;
}

}  // namespace

client_stats client_counters::snapshot() const {
  client_stats stats;
  stats.requests = requests.load();
  stats.responses = responses.load();
  stats.transport_errors = transport_errors.load();
  stats.connections_opened = connections_opened.load();
  stats.connections_reused = connections_reused.load();
  stats.in_flight = in_flight.load();
  stats.queued = queued.load();
  stats.stale_retries = stale_retries.load();
  return stats;
}

request_message build_request_message(const http_request& request, const parsed_url& url,
                                      const std::string& user_agent) {
  if (!is_token(request.method)) {
    throw std::invalid_argument("invalid HTTP method '" + request.method + "'");
  }
  request_message message;
  const http::verb verb = http::string_to_verb(request.method);
  if (verb == http::verb::unknown) {
    message.method_string(request.method);
  } else {
    message.method(verb);
  }
  message.target(url.target);
  message.version(11);
  message.set(http::field::host, host_field(url));
  bool has_user_agent = false;
  for (const auto& [name, value] : request.headers) {
    if (!is_token(name)) throw std::invalid_argument("invalid header name '" + name + "'");
    // The value is not repeated: it may be a token.
    if (!is_field_value(value)) {
      throw std::invalid_argument("header '" + name + "' contains a line break or NUL");
    }
    if (same_name(name, "host") || same_name(name, "content-length") ||
        same_name(name, "transfer-encoding")) {
      continue;  // the client sets these
    }
    has_user_agent = has_user_agent || same_name(name, "user-agent");
    message.insert(name, value);
  }
  if (!has_user_agent && !user_agent.empty()) message.set(http::field::user_agent, user_agent);
  message.body() = request.body;
  message.prepare_payload();
  return message;
}

http_response to_http_response(response_message&& message) {
  http_response response;
  response.status = static_cast<int>(message.result_int());
  for (const auto& field : message) {
    response.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  response.body = std::move(message.body());
  return response;
}

std::string endpoint_text(const parsed_url& url) {
  const bool ipv6 = url.host.find(':') != std::string::npos;
  return (ipv6 ? "[" + url.host + "]" : url.host) + ":" + std::to_string(url.port);
}

exchange::exchange(request_message message, parsed_url url, std::chrono::milliseconds total_timeout,
                   http_transport::callback done,
                   boost::asio::io_context::executor_type completions, client_counters& counters)
    : message_(std::move(message)),
      url_(std::move(url)),
      where_(endpoint_text(url_)),
      total_timeout_(total_timeout),
      done_(std::move(done)),
      completions_(std::move(completions)),
      counters_(counters) {
  counters_.queued++;
}

bool exchange::is_head() const {
  return message_.method() == http::verb::head;
}

void exchange::begin() {
  if (begun_) return;
  begun_ = true;
  deadline_ = std::chrono::steady_clock::now() + total_timeout_;
  counters_.queued--;
  counters_.in_flight++;
}

void exchange::succeed(http_response response) {
  http_result result;
  result.response = std::move(response);
  finish(std::move(result));
}

void exchange::fail(transport_error_kind kind, std::string message) {
  http_result result;
  result.error = transport_error{kind, std::move(message)};
  finish(std::move(result));
}

void exchange::finish(http_result result) {
  if (finished_) return;
  finished_ = true;
  (begun_ ? counters_.in_flight : counters_.queued)--;
  (result.ok() ? counters_.responses : counters_.transport_errors)++;
  result.elapsed = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now() - created_);
  boost::asio::post(completions_, [done = std::move(done_), result = std::move(result)]() mutable {
    done(std::move(result));
  });
}

}  // namespace tixsync::providers::http::detail
