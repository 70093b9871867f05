// A generic asynchronous HTTP/1.1 server (Boost.Beast underneath, kept out of this header): a
// fixed number of I/O threads, a strand per connection, every wait bounded by a timer (a whole
// request must arrive within read_timeout, an idle keep-alive connection is closed after
// idle_timeout), explicit header and body limits, and a cap on connections. Requests go to the
// routes of a router; every error the server itself produces is JSON ({"error": {...}}).
// Used by the mock CRM and by the node's HTTP API.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "api/http_message.hpp"
#include "api/router.hpp"

namespace tixsync::api {

struct server_options {
  std::string listen_address = "127.0.0.1";  ///< IPv4 or IPv6 literal
  std::uint16_t port = 0;                    ///< 0: an ephemeral port (see http_server::port())
  int threads = 1;                           ///< I/O threads (>= 1)
  std::size_t max_body_bytes = 1024 * 1024;  ///< larger bodies get 413
  std::size_t max_header_bytes = 16 * 1024;  ///< larger request heads get 431
  /// A request must arrive completely (head and body) within this time from its first byte;
  /// slower clients get 408 and are disconnected.
  std::chrono::milliseconds read_timeout{10000};
  /// A keep-alive connection waiting for its next request (or a new one for its first) is
  /// closed after this long.
  std::chrono::milliseconds idle_timeout{30000};
  /// Writing one response may take this long.
  std::chrono::milliseconds write_timeout{10000};
  /// Connections beyond this many are answered 503 at once (without waiting for a request) and
  /// closed; beyond this many plus `refusing_connections` they are closed without an answer.
  /// Open descriptors of the server so stay below their sum (plus the listener).
  std::size_t max_connections = 10000;
  /// Connections over max_connections that may be answering their 503 at the same time.
  std::size_t refusing_connections = 64;
  /// The Server header.
  std::string server_name = "tixsync";
  /// The WWW-Authenticate header of a 401 whose handler set none (RFC 9110 requires one).
  std::string auth_challenge = "Bearer realm=\"tixsync\"";
  /// Receives the server's own problems (a handler that threw, a failed accept: at most one line
  /// per 10 s, counting those left out). Called from I/O threads; may be empty. Messages never
  /// contain request bodies or headers.
  std::function<void(const std::string& message)> log;
};

/// Counters since start (read without locking; each is exact, the set is not a snapshot).
struct server_stats {
  std::uint64_t connections_accepted = 0;
  std::uint64_t connections_open = 0;
  std::uint64_t connections_rejected = 0;  ///< over max_connections: answered 503 or closed
  std::uint64_t requests = 0;              ///< complete requests read
  std::uint64_t responses = 0;             ///< responses written completely
  std::uint64_t malformed_requests = 0;    ///< answered 400, 413 or 431 by the server
  std::uint64_t read_timeouts = 0;         ///< requests cut off by read_timeout (408)
  std::uint64_t handler_errors = 0;        ///< handlers that threw or dropped their responder
  std::uint64_t dropped_connections = 0;   ///< closed by responder::close_connection()
};

class http_server {
 public:
  /// Validates the options (throws std::invalid_argument naming the bad one); does not listen yet.
  http_server(server_options options, router routes);
  /// stop().
  ~http_server();
  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  /// Binds, listens and starts the I/O threads. Throws std::runtime_error saying which
  /// address:port could not be used and why. Call once.
  void start();

  /// Closes the listener and every connection (requests in progress get no answer), stops and
  /// joins the I/O threads. Answers given after stop() are dropped, timers set with after() never
  /// run. Idempotent; must not be called from a handler or an after() callback.
  void stop();

  /// The bound port (the chosen one when the options said 0); 0 before start().
  std::uint16_t port() const;
  /// The address it listens on, as configured.
  const std::string& listen_address() const;

  /// Runs `callback` on an I/O thread once `delay` has passed: a timer, no thread waits. Before
  /// start() and after stop() the callback is dropped without running. An exception it throws is
  /// logged and swallowed. Thread-safe.
  void after(std::chrono::steady_clock::duration delay, std::function<void()> callback);

  server_stats stats() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace tixsync::api
