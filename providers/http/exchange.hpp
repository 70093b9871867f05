// Internal to providers/http: one request from send() until its completion (its bytes as they
// go on the wire, where it goes, its total-timeout deadline and the callback that runs exactly
// once), and the client's counters that requests, pools and connections update.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

#include "providers/http/http_client.hpp"
#include "providers/http/request_tally.hpp"

namespace tixsync::providers::http::detail {

using steady_time = std::chrono::steady_clock::time_point;

/// The client's counters; stats() copies them. The counters a sending thread writes are on a
/// cache line of their own, apart from those of the I/O thread, so that a request does not move
/// one line back and forth between the two threads' cores several times.
struct client_counters {
  // Written by the threads calling send().
  alignas(64) std::atomic<std::uint64_t> requests{0};
  std::atomic<std::uint64_t> exchanges_created{0};
  std::atomic<std::uint64_t> rejected_at_send{0};  ///< failed in send(): a transport error
  // Written on the I/O threads.
  alignas(64) std::atomic<std::uint64_t> responses{0};
  std::atomic<std::uint64_t> transport_errors{0};
  std::atomic<std::uint64_t> connections_opened{0};
  std::atomic<std::uint64_t> connections_reused{0};
  std::atomic<std::uint64_t> in_flight{0};
  std::atomic<std::uint64_t> left_queue{0};  ///< exchanges that began, or ended before that
  std::atomic<std::uint64_t> stale_retries{0};
  std::atomic<std::uint64_t> response_reads{0};
  /// Requests by outcome; set by the client before any request, never null then.
  request_tally* tally = nullptr;

  client_stats snapshot() const;
};

/// A request as it goes on the wire, built once by send(): written with a single write (and again
/// as is when resent), no serializer per attempt.
struct request_wire {
  std::string bytes;  ///< start line, header fields, empty line, body
  bool head = false;  ///< a HEAD request (its response has no body)
};

/// The HTTP/1.1 request for `request` to `url`: method, target, Host, the request's headers,
/// User-Agent (unless the request has one) and the body with its Content-Length (set as Beast's
/// prepare_payload sets it). Throws std::invalid_argument for a method or header that cannot be
/// sent as is.
request_wire build_request_wire(const http_request& request, const parsed_url& url,
                                const std::string& user_agent);

/// "host:port" ("[v6]:port" for IPv6), how error messages name where a request went.
std::string endpoint_text(const parsed_url& url);

/// One request on its way. Used only on its host pool's executor. succeed() and fail() run the
/// callback at once, on the calling (I/O) thread: callers finish the exchange only after the
/// pool's state is consistent (a connection is back in the pool before its last exchange's
/// callback sends the next request), and whatever the callback asks of the pool is posted.
class exchange {
 public:
  exchange(request_wire wire, parsed_url url, std::chrono::milliseconds total_timeout,
           http_transport::callback done, client_counters& counters);
  exchange(const exchange&) = delete;
  exchange& operator=(const exchange&) = delete;

  const parsed_url& url() const { return url_; }
  /// "host:port" for messages (built when asked: only failures name it).
  std::string where() const { return endpoint_text(url_); }
  /// The request's bytes.
  const std::string& wire() const { return wire_.bytes; }
  bool is_head() const { return wire_.head; }

  /// The request got a connection: from now on the total timeout runs (queueing excluded).
  void begin();
  steady_time deadline() const { return deadline_; }
  std::chrono::milliseconds total_timeout() const { return total_timeout_; }

  /// Whether the request was already resent once after a stale keep-alive connection.
  bool retried() const { return retried_; }
  void mark_retried() { retried_ = true; }

  bool finished() const { return finished_; }
  /// Completes the request: runs the callback now (an exception from it is dropped); later
  /// calls are ignored, so the callback runs exactly once.
  void succeed(http_response response);
  void fail(transport_error_kind kind, std::string message);

 private:
  void finish(http_result result);
  /// Counts the finished request in the client's tally (not when it was never sent).
  void count_outcome(const http_result& result) const;

  request_wire wire_;
  parsed_url url_;
  std::chrono::milliseconds total_timeout_;
  http_transport::callback done_;
  client_counters& counters_;
  steady_time created_ = std::chrono::steady_clock::now();
  steady_time deadline_ = steady_time::max();
  bool begun_ = false;
  bool retried_ = false;
  bool finished_ = false;
};

}  // namespace tixsync::providers::http::detail
