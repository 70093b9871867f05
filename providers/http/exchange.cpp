// One request on its way (see exchange.hpp): building the request's wire bytes with their
// checks, and the exactly-once completion with the counters.
#include "providers/http/exchange.hpp"

#include <array>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>
#include <charconv>
#include <stdexcept>
#include <utility>

#include "providers/http/ascii.hpp"

namespace tixsync::providers::http::detail {
namespace http = boost::beast::http;

namespace {

// The checks below run for every header of every request: ASCII tables, no locale lookups.
constexpr std::array<bool, 256> token_chars = [] {
  std::array<bool, 256> chars{};
  for (int c = '0'; c <= '9'; ++c) chars[c] = true;
  for (int c = 'a'; c <= 'z'; ++c) chars[c] = chars[c - 'a' + 'A'] = true;
  for (const char* c = "!#$%&'*+-.^_`|~"; *c != '\0'; ++c)
    chars[static_cast<unsigned char>(*c)] = true;
  return chars;
}();

bool is_token(const std::string& text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (!token_chars[static_cast<unsigned char>(c)]) return false;
  }
  return true;
}

bool is_field_value(const std::string& text) {
  for (char c : text) {
    if (c == '\r' || c == '\n' || c == '\0') return false;
  }
  return true;
}

template <typename Number>
void append_number(std::string& out, Number n) {
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof digits, n).ptr;
  out.append(digits, static_cast<std::size_t>(end - digits));
}

/// Appends "host" ("[v6]" for IPv6), then ":port" unless the port is the scheme's default and
/// `always_port` is false.
void append_authority(std::string& out, const parsed_url& url, bool always_port) {
  const bool ipv6 = url.host.find(':') != std::string::npos;
  if (ipv6) out += '[';
  out += url.host;
  if (ipv6) out += ']';
  if (always_port || url.port != (url.tls ? 443 : 80)) {
    out += ':';
    append_number(out, url.port);
  }
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
  auto field = [&out](std::string_view name, std::string_view value) {
    out.append(name).append(": ").append(value).append("\r\n");
  };
  out.append(request.method).append(" ").append(url.target).append(" HTTP/1.1\r\nHost: ");
  append_authority(out, url, false);
  out.append("\r\n");
  bool has_user_agent = false;
  auto add_fields = [&](const header_list& headers) {
    for (const auto& [name, value] : headers) {
      if (!is_token(name)) throw std::invalid_argument("invalid header name '" + name + "'");
      // The value is not repeated: it may be a token.
      if (!is_field_value(value)) {
        throw std::invalid_argument("header '" + name + "' contains a line break or NUL");
      }
      if (equals_ignoring_case(name, "host") || equals_ignoring_case(name, "content-length") ||
          equals_ignoring_case(name, "transfer-encoding")) {
        continue;  // the client sets these
      }
      has_user_agent = has_user_agent || equals_ignoring_case(name, "user-agent");
      field(name, value);
    }
  };
  if (request.common_headers) add_fields(*request.common_headers);
  add_fields(request.headers);
  if (!has_user_agent && !user_agent.empty()) field("User-Agent", user_agent);
  // As Beast's prepare_payload: a length for any body, and for an empty one of the methods
  // that normally carry one.
  if (!request.body.empty() || verb == http::verb::post || verb == http::verb::put ||
      verb == http::verb::options) {
    out.append("Content-Length: ");
    append_number(out, request.body.size());
    out.append("\r\n");
  }
  out.append("\r\n").append(request.body);
  return wire;
}

std::string endpoint_text(const parsed_url& url) {
  std::string out;
  out.reserve(url.host.size() + 8);
  append_authority(out, url, true);
  return out;
}

exchange::exchange(request_wire wire, parsed_url url, std::chrono::milliseconds total_timeout,
                   http_transport::callback done, client_counters& counters)
    : wire_(std::move(wire)),
      url_(std::move(url)),
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
