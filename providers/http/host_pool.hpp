// Internal to providers/http: the keep-alive connections to one (scheme, host, port). Reuses an
// idle connection, opens a new one up to max_connections_per_host (at most max_unproven at a
// time that have not answered yet, so a burst of requests does not overflow the server's accept
// queue), queues requests FIFO beyond that, closes idle connections after idle_timeout and resends
// a request once when its reused connection turned out stale. All state lives on the pool's
// executor (a strand, or the single I/O thread).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <vector>

#include "providers/http/connection.hpp"
#include "providers/http/exchange.hpp"

namespace tixsync::providers::http::detail {

class host_pool : public std::enable_shared_from_this<host_pool> {
 public:
  host_pool(pool_executor executor, parsed_url origin, boost::asio::ssl::context* tls_context,
            const client_options& options, client_counters& counters);
  host_pool(const host_pool&) = delete;
  host_pool& operator=(const host_pool&) = delete;

  /// Thread-safe: hands the request to the pool (on its executor).
  void submit(std::shared_ptr<exchange> ex);
  /// Thread-safe: from now on requests fail with `shutdown`; queued ones and those on a
  /// connection fail now, and every connection is closed.
  void shutdown();

  /// From a connection (on the executor): its exchange is done. `reusable` when it may carry the
  /// next request; `resend` is a request to send again on a new connection.
  void connection_done(const std::shared_ptr<connection>& done, bool reusable,
                       std::shared_ptr<exchange> resend);

  /// New connections whose first request has not been answered yet, at most. The kernel
  /// completes a client's connect before the server accepts it, so only an answer proves the
  /// server took the connection. A server holds a limited number of connections it has not
  /// accepted yet (Node.js 511, many servers 128); a client that opens a thousand at once while
  /// the server is busy sees the rest dropped and retried by TCP after a second or more, past the
  /// connect timeout. 64 at a time, a thousand connections to a server answering in 20 ms are
  /// open within about 0.3 s.
  static constexpr std::size_t max_unproven = 64;

 private:
  void take_submitted();
  void dispatch(std::shared_ptr<exchange> ex);
  void open_connection(std::shared_ptr<exchange> ex);
  /// A new connection may be opened: under the pool's limit and max_unproven.
  bool may_open() const;
  void start_waiting();
  void forget(const std::shared_ptr<connection>& gone);
  void stop_now();
  void fail_shutdown(exchange& ex) const;
  /// Keeps one timer for the oldest idle connection (the front of idle_); on firing it closes
  /// every connection idle for idle_timeout and waits for the next one.
  void arm_idle_sweep();
  void sweep_idle(boost::system::error_code ec);
  /// Brings the tally's gauges (connections, waiting requests) up to this pool's sizes; called
  /// on leaving every entry point (see published).
  void publish_sizes();
  /// Calls publish_sizes() when it goes out of scope.
  struct published {
    host_pool& pool;
    ~published() { pool.publish_sizes(); }
  };

  pool_executor executor_;
  parsed_url origin_;
  boost::asio::ssl::context* tls_context_;  // null for a plain-HTTP origin
  const client_options& options_;
  client_counters& counters_;
  std::size_t limit_;

  std::vector<std::shared_ptr<connection>> connections_;  // opening, busy or idle
  std::vector<std::shared_ptr<connection>> idle_;         // most recently used last
  std::vector<connection*> unproven_;                     // first request not answered yet
  boost::asio::steady_timer idle_sweep_;
  bool sweep_armed_ = false;
  std::deque<std::shared_ptr<exchange>> waiting_;
  /// Requests from submit() not yet on the executor: one posted handler takes all that came
  /// meanwhile, instead of one post per request from the sending thread.
  std::mutex submitted_mutex_;
  std::vector<std::shared_ptr<exchange>> submitted_;
  bool take_posted_ = false;
  bool stopped_ = false;
  // What publish_sizes() last added to the tally.
  std::int64_t published_connections_ = 0;
  std::int64_t published_waiting_ = 0;
};

}  // namespace tixsync::providers::http::detail
