// Internal to api/: the state an http_server shares with its connections (options, routes,
// counters, the io_context and the table of open connections) and the gate that keeps answers
// from other threads out of a stopped server. Includes Asio; only api/*.cpp include it.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <cstdint>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_map>

#include "api/http_server.hpp"
#include "api/router.hpp"

namespace tixsync::api::detail {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using strand_type = net::strand<net::io_context::executor_type>;

/// Shared by the server and every responder it handed out (which may outlive it): answers and
/// timers enter the io_context only while `open`, under a shared lock; stop() closes it under
/// the exclusive lock, so nothing is posted once the I/O threads are gone.
struct answer_gate {
  std::shared_mutex mutex;
  bool open = false;
  /// Responders dropped without an answer (counted here, because they can die anywhere).
  std::atomic<std::uint64_t> unanswered{0};
};

struct server_counters {
  std::atomic<std::uint64_t> connections_accepted{0};
  std::atomic<std::uint64_t> connections_open{0};
  std::atomic<std::uint64_t> connections_rejected{0};
  std::atomic<std::uint64_t> requests{0};
  std::atomic<std::uint64_t> responses{0};
  std::atomic<std::uint64_t> malformed_requests{0};
  std::atomic<std::uint64_t> read_timeouts{0};
  std::atomic<std::uint64_t> handler_errors{0};
  std::atomic<std::uint64_t> dropped_connections{0};
};

class http_connection;

struct server_core {
  server_core(server_options o, router r)
      : options(std::move(o)), routes(std::move(r)), ioc(options.threads) {}

  /// Adds an accepted connection; false when it is over max_connections (it is kept anyway, to
  /// answer 503, and counts until it closes).
  bool add_connection(const std::shared_ptr<http_connection>& connection) {
    std::lock_guard<std::mutex> lock(connections_mutex);
    connections.emplace(connection.get(), connection);
    counters.connections_open.store(connections.size(), std::memory_order_relaxed);
    return connections.size() <= options.max_connections;
  }
  /// True when so many connections are open that a new one would not even get its 503.
  bool beyond_refusals() const {
    return counters.connections_open.load(std::memory_order_relaxed) >=
           options.max_connections + options.refusing_connections;
  }
  /// Removes a closed connection (it may be destroyed by this call).
  void remove_connection(http_connection* connection) {
    std::shared_ptr<http_connection> last;  // released after the lock
    std::lock_guard<std::mutex> lock(connections_mutex);
    auto it = connections.find(connection);
    if (it == connections.end()) return;
    last = std::move(it->second);
    connections.erase(it);
    counters.connections_open.store(connections.size(), std::memory_order_relaxed);
  }
  /// Empties the table, handing its connections to the caller (server stop).
  std::unordered_map<http_connection*, std::shared_ptr<http_connection>> take_connections() {
    std::lock_guard<std::mutex> lock(connections_mutex);
    counters.connections_open.store(0, std::memory_order_relaxed);
    auto taken = std::move(connections);
    connections.clear();
    return taken;
  }
  void log(const std::string& message) const {
    if (options.log) options.log(message);
  }
  /// True on the server's only I/O thread: there, every handler of every connection runs on this
  /// one thread, so an answer may be written at once instead of being posted to the strand.
  bool on_sole_io_thread() const { return options.threads == 1 && io_thread_of == this; }
  /// The server whose I/O thread this is (set by each I/O thread; null on other threads).
  static thread_local const server_core* io_thread_of;

  server_options options;
  router routes;
  server_counters counters;
  std::shared_ptr<answer_gate> gate = std::make_shared<answer_gate>();
  std::mutex connections_mutex;
  std::unordered_map<http_connection*, std::shared_ptr<http_connection>> connections;
  /// Declared last: destroyed first, with the handlers (and connections) it still holds.
  net::io_context ioc;
};

}  // namespace tixsync::api::detail
