// The asynchronous HTTP/1.1 client the HTTP providers talk through: keep-alive connection pools
// per host, TLS with certificate and host-name verification, connect/read/total timeouts and a
// response body limit, no proxies. It runs on its own I/O threads; a completion is called
// exactly once, on an I/O thread, so no caller thread ever blocks on the network. Beast stays in
// the .cpp files: this header is cheap to include.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace tixsync::providers::http {

using header_list = std::vector<std::pair<std::string, std::string>>;

class request_tally;  // request_tally.hpp

struct http_request {
  std::string method = "GET";  ///< GET, POST, PUT, PATCH, DELETE, ...
  std::string url;             ///< absolute: http://host[:port]/path?query or https://...
  header_list headers;         ///< extra headers; Host, Content-Length are set by the client
  /// Headers every request of one sender carries (sent before `headers`): shared between its
  /// requests instead of copied into each. May be null.
  std::shared_ptr<const header_list> common_headers;
  std::string body;  ///< sent when non-empty (or for POST/PUT/PATCH)
  /// Overrides the client's total timeout for this request when set.
  std::optional<std::chrono::milliseconds> timeout;
};

struct http_response {
  int status = 0;
  header_list headers;
  std::string body;
  /// The first header of this name (case-insensitive), or nullopt.
  std::optional<std::string> header(const std::string& name) const;
};

/// Why a request got no response. Every kind but bad_url and body_too_large is transient.
enum class transport_error_kind {
  bad_url,         ///< the URL cannot be parsed or its scheme is not http/https (also: a method
                   ///< or header that cannot be sent, e.g. a header value with a line break)
  resolve,         ///< host name lookup failed
  connect,         ///< TCP connect failed or timed out
  tls,             ///< TLS handshake or certificate/host-name verification failed
  timeout,         ///< the read or total timeout passed
  closed,          ///< the server closed the connection before a complete response
  protocol,        ///< the response is not valid HTTP/1.1
  body_too_large,  ///< the response body exceeds max_response_bytes
  shutdown,        ///< the client was stopped before the request finished
  credentials,     ///< the request's credentials could not be obtained (an OAuth2 token
                   ///< endpoint failed); the request was not sent
};

/// "bad_url", "resolve", "connect", "tls", "timeout", "closed", "protocol", "body_too_large",
/// "shutdown", "credentials".
const char* to_string(transport_error_kind kind);

struct transport_error {
  transport_error_kind kind = transport_error_kind::closed;
  std::string message;  ///< for people: what failed and where (host:port), no secrets
};

/// A response, or why there is none; plus how long it took.
struct http_result {
  std::optional<http_response> response;
  std::optional<transport_error> error;
  std::chrono::microseconds elapsed{0};
  bool ok() const { return response.has_value(); }
};

struct client_options {
  std::chrono::milliseconds connect_timeout{2000};
  /// Each read of the response (between bytes), and each write of the request.
  std::chrono::milliseconds read_timeout{10000};
  std::chrono::milliseconds total_timeout{30000};  ///< the whole request, queueing excluded
  std::size_t max_response_bytes = 4 * 1024 * 1024;
  /// Connections kept per host (scheme, host, port); requests beyond wait in a FIFO queue.
  std::size_t max_connections_per_host = 64;
  /// Idle keep-alive connections are closed after this long.
  std::chrono::milliseconds idle_timeout{30000};
  /// Verify server certificates and host names (only tests of the failure turn this off).
  bool verify_tls = true;
  /// PEM file of extra trusted CAs (in addition to the system store); "" = system store only.
  std::string ca_file;
  /// I/O threads of the client.
  int threads = 1;
  std::string user_agent = "tixsync";
  /// Where the client counts its requests by outcome (one count per request, where it
  /// completes; a stale-connection resend counts once). A client given none makes its own.
  std::shared_ptr<request_tally> tally;
};

/// Counters for metrics and tests (monotonic, read without locking).
struct client_stats {
  std::uint64_t requests = 0;
  std::uint64_t responses = 0;
  std::uint64_t transport_errors = 0;
  std::uint64_t connections_opened = 0;
  std::uint64_t connections_reused = 0;
  std::uint64_t in_flight = 0;
  std::uint64_t queued = 0;
  /// Requests resent on a new connection because a reused keep-alive connection turned out to
  /// be closed by the server before any response byte arrived.
  std::uint64_t stale_retries = 0;
  /// Reads from the network that responses took: a response that arrives in one piece takes
  /// one, however many segments the server wrote it in meanwhile.
  std::uint64_t response_reads = 0;
};

/// The interface the providers use, so a test can put a scripted transport in its place.
class http_transport {
 public:
  using callback = std::function<void(http_result)>;
  virtual ~http_transport() = default;
  /// Starts the request; `done` is called exactly once, from another thread (or inline for an
  /// immediate bad_url/shutdown error). Never throws for a bad request: reports it.
  virtual void send(http_request request, callback done) = 0;
};

/// The Beast implementation. Thread-safe; stop() (or the destructor) fails pending requests with
/// `shutdown` and joins the I/O threads. Throws std::runtime_error from the constructor when the
/// CA file cannot be loaded. Completions must not throw (an exception is dropped) and should not
/// block: they run on the client's I/O threads.
class http_client final : public http_transport {
 public:
  explicit http_client(client_options options = {});
  /// Calls stop().
  ~http_client() override;
  http_client(const http_client&) = delete;
  http_client& operator=(const http_client&) = delete;

  /// After stop(), fails inline with `shutdown`.
  void send(http_request request, callback done) override;
  /// Fails queued and in-flight requests with `shutdown` (each completion runs once), closes every
  /// connection and joins the I/O threads; returns after the completions ran. Idempotent. Called
  /// from a completion it cannot join its own threads: it only stops, and the destructor joins.
  void stop();
  client_stats stats() const;
  /// The requests this client completed, by outcome (options.tally or the client's own).
  std::shared_ptr<const request_tally> tally() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// The parts of an absolute http(s) URL. Throws std::invalid_argument naming the problem.
struct parsed_url {
  bool tls = false;
  std::string host;  ///< without brackets for IPv6 literals
  std::uint16_t port = 0;
  std::string target;  ///< path and query, "/" when empty
};
parsed_url parse_url(const std::string& url);

/// Retry-After as a point in time: delta-seconds ("120") or an HTTP-date
/// ("Wed, 21 Oct 2015 07:28:00 GMT", also RFC 850 and asctime forms). nullopt when malformed.
std::optional<std::chrono::system_clock::time_point> parse_retry_after(
    const std::string& value, std::chrono::system_clock::time_point now);

}  // namespace tixsync::providers::http
