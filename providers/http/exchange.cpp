// One request on its way (see exchange.hpp): building the request's wire bytes with their
// checks, and the exactly-once completion with the counters.
#include "providers/http/exchange.hpp"

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
  stats.transport_errors = transport_errors.load() + rejected_at_send.load();
  stats.connections_opened = connections_opened.load();
  stats.connections_reused = connections_reused.load();
  stats.in_flight = in_flight.load();
  // Left first: an exchange is created before it leaves the queue, so this is never negative.
  const std::uint64_t left = left_queue.load();
  stats.queued = exchanges_created.load() - left;
  stats.stale_retries = stale_retries.load();
  stats.response_reads = response_reads.load();
  return stats;
}

request_wire build_request_wire(const http_request& request, const parsed_url& url,
                                const std::string& user_agent) {
  if (!is_token(request.method)) {
    throw std::invalid_argument("invalid HTTP method '" + request.method + "'");
  }
  const http::verb verb = http::string_to_verb(request.method);
  if (verb == http::verb::trace && !request.body.empty()) {
    throw std::invalid_argument("a TRACE request cannot have a body");
  }
  request_wire wire;
  wire.head = verb == http::verb::head;
  std::string& out = wire.bytes;
  out.reserve(256 + url.target.size() + request.body.size());
  auto field = [&out](const char* name, const std::string& value) {
    out.append(name).append(": ").append(value).append("\r\n");
  };
  out.append(request.method).append(" ").append(url.target).append(" HTTP/1.1\r\n");
  field("Host", host_field(url));
  bool has_user_agent = false;
  auto add_fields = [&](const header_list& headers) {
    for (const auto& [name, value] : headers) {
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
      field(name.c_str(), value);
    }
  };
  if (request.common_headers) add_fields(*request.common_headers);
  add_fields(request.headers);
  if (!has_user_agent && !user_agent.empty()) field("User-Agent", user_agent);
  // As Beast's prepare_payload: a length for any body, and for an empty one of the methods
  // that normally carry one.
  if (!request.body.empty() || verb == http::verb::post || verb == http::verb::put ||
      verb == http::verb::options) {
    field("Content-Length", std::to_string(request.body.size()));
  }
  out.append("\r\n").append(request.body);
  return wire;
}

std::string endpoint_text(const parsed_url& url) {
  const bool ipv6 = url.host.find(':') != std::string::npos;
  return (ipv6 ? "[" + url.host + "]" : url.host) + ":" + std::to_string(url.port);
}

exchange::exchange(request_wire wire, parsed_url url, std::chrono::milliseconds total_timeout,
                   http_transport::callback done, client_counters& counters)
    : wire_(std::move(wire)),
      url_(std::move(url)),
      where_(endpoint_text(url_)),
      total_timeout_(total_timeout),
      done_(std::move(done)),
      counters_(counters) {
  counters_.exchanges_created++;
}

void exchange::begin() {
  if (begun_) return;
  begun_ = true;
  deadline_ = std::chrono::steady_clock::now() + total_timeout_;
  counters_.left_queue++;
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

void exchange::count_outcome(const http_result& result) const {
  if (!counters_.tally) return;
  if (result.response)
    return counters_.tally->add(request_tally::of_status(result.response->status));
  const auto kind = result.error ? result.error->kind : transport_error_kind::closed;
  // A request stopped before it had a connection was never sent.
  if (kind == transport_error_kind::shutdown && !begun_) return;
  if (auto outcome = request_tally::of_error(kind)) counters_.tally->add(*outcome);
}

void exchange::finish(http_result result) {
  if (finished_) return;
  finished_ = true;
  if (begun_) {
    counters_.in_flight--;
  } else {
    counters_.left_queue++;
  }
  (result.ok() ? counters_.responses : counters_.transport_errors)++;
  count_outcome(result);
  result.elapsed = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now() - created_);
  // Moved out first: the callback may hold the last reference to whatever owns this exchange.
  auto done = std::move(done_);
  try {
    done(std::move(result));
  } catch (...) {
    // Completions must not throw; the client's state is consistent either way.
  }
}

}  // namespace tixsync::providers::http::detail
