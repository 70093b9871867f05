// The listener and lifecycle of http_server: binds, accepts on its own strand (each connection
// gets a strand of its own; over the cap it is answered 503 or closed at once; a failed accept is
// logged, throttled, and retried after a pause), runs the I/O threads, timers for after() (one
// shared by the callbacks that come due in the order they were set), and an orderly stop:
// close the answer gate, stop and join the threads, then close the listener and connections.
#include "api/http_server.hpp"

#include <pthread.h>
#include <sys/resource.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cerrno>
#include <deque>
#include <optional>
#include <stdexcept>
#include <thread>
#include <vector>

#include "api/http_connection.hpp"
#include "api/log_throttle.hpp"
#include "api/server_core.hpp"

namespace tixsync::api {

using namespace detail;

thread_local const server_core* server_core::io_thread_of = nullptr;

struct http_server::impl {
  impl(server_options options, router routes)
      : core(std::move(options), std::move(routes)),
        accept_strand(net::make_strand(core.ioc)),
        acceptor(accept_strand) {}

  void listen();
  void accept();
  void on_accept(strand_type strand, beast::error_code ec, tcp::socket socket);
  void on_accept_failed(const beast::error_code& ec);

  server_core core;
  strand_type accept_strand;
  tcp::acceptor acceptor;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
  std::vector<std::thread> threads;
  std::uint16_t port = 0;
  log_throttle accept_failures{std::chrono::seconds(10)};  // on accept_strand
  /// after() callbacks whose times come in order (the usual case: one fixed delay), on one timer
  /// for the earliest; a callback due before the last one queued gets a timer of its own.
  struct delayed {
    std::chrono::steady_clock::time_point due;
    std::function<void()> callback;
  };
  std::mutex delayed_mutex;
  std::deque<delayed> delayed_queue;
  std::optional<net::steady_timer> delayed_timer;  // on the io_context, created by start()
  bool delayed_timer_waiting = false;
  void wait_for_delayed(std::chrono::steady_clock::time_point due);
  void run_due_delayed();
  std::mutex lifecycle_mutex;
  bool started = false;
  bool stopped = false;
};

namespace {

void validate(const server_options& o) {
  auto bad = [](const std::string& what) {
    return std::invalid_argument("http server options: " + what);
  };
  if (o.threads < 1) throw bad("threads must be at least 1");
  if (o.max_body_bytes == 0) throw bad("max_body_bytes must be positive");
  if (o.max_header_bytes < 256 || o.max_header_bytes > 0xffffffffu) {
    throw bad("max_header_bytes must be between 256 and 4294967295");
  }
  if (o.read_timeout.count() <= 0) throw bad("read_timeout must be positive");
  if (o.idle_timeout.count() <= 0) throw bad("idle_timeout must be positive");
  if (o.write_timeout.count() <= 0) throw bad("write_timeout must be positive");
  if (o.max_connections == 0) throw bad("max_connections must be positive");
}

/// The soft limit on open files, as a log message shows it.
std::string open_file_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return "unknown";
  if (limit.rlim_cur == RLIM_INFINITY) return "unlimited";
  return std::to_string(limit.rlim_cur);
}

/// What a failed accept means, for the log.
std::string accept_failure(const beast::error_code& ec) {
  const std::string waiting =
      "; new connections wait in the listen queue until descriptors are free (close idle "
      "connections, lower the connection cap or raise the limit)";
  if (ec == net::error::no_descriptors) {
    return "accept failed: too many open files (limit " + open_file_limit() + ")" + waiting;
  }
  if (ec.value() == ENFILE && ec.category() == boost::system::system_category()) {
    return "accept failed: too many open files in the system (fs.file-max)" + waiting;
  }
  return "accept failed: " + ec.message();
}

/// Runs an after() callback; what it throws is logged, never passed to the I/O loop.
void run_after_callback(const server_core& core, const std::function<void()>& callback) {
  try {
    callback();
  } catch (const std::exception& e) {
    core.log(std::string("an after() callback threw: ") + e.what());
  } catch (...) {
    core.log("an after() callback threw a non-exception");
  }
}

}  // namespace

void http_server::impl::listen() {
  const auto& o = core.options;
  const std::string where = o.listen_address + ":" + std::to_string(o.port);
  beast::error_code ec;
  const auto address = net::ip::make_address(o.listen_address, ec);
  if (ec) {
    throw std::runtime_error("cannot listen on " + where + ": '" + o.listen_address +
                             "' is not an IP address");
  }
  const tcp::endpoint endpoint{address, o.port};
  auto check = [&](const char* step) {
    if (ec)
      throw std::runtime_error("cannot listen on " + where + ": " + step + ": " + ec.message());
  };
  acceptor.open(endpoint.protocol(), ec);
  check("open");
  acceptor.set_option(net::socket_base::reuse_address(true), ec);
  check("SO_REUSEADDR");
  acceptor.bind(endpoint, ec);
  check("bind");
  acceptor.listen(net::socket_base::max_listen_connections, ec);
  check("listen");
  port = acceptor.local_endpoint(ec).port();
  check("local address");
}

void http_server::impl::accept() {
  auto strand = net::make_strand(core.ioc);
  acceptor.async_accept(strand, beast::bind_front_handler(&impl::on_accept, this, strand));
}

void http_server::impl::on_accept(strand_type strand, beast::error_code ec, tcp::socket socket) {
  if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
  if (ec) return on_accept_failed(ec);
  core.counters.connections_accepted.fetch_add(1, std::memory_order_relaxed);
  if (core.beyond_refusals()) {
    // Even a 503 would cost a descriptor for a while: closed at once.
    core.counters.connections_rejected.fetch_add(1, std::memory_order_relaxed);
    beast::error_code ignored;
    socket.close(ignored);
    return accept();
  }
  auto connection = std::make_shared<http_connection>(std::move(socket), std::move(strand), core);
  const bool within_limit = core.add_connection(connection);
  connection->start(!within_limit);
  accept();
}

// Out of file descriptors and the like: wait a little instead of spinning on the error, and say
// so at most once per 10 s.
void http_server::impl::on_accept_failed(const beast::error_code& ec) {
  std::uint64_t held_back = 0;
  if (accept_failures.admit(std::chrono::steady_clock::now(), held_back)) {
    core.log(accept_failure(ec) + (held_back > 0 ? " (" + std::to_string(held_back) +
                                                       " more failed accepts since the last report)"
                                                 : ""));
  }
  auto timer = std::make_shared<net::steady_timer>(accept_strand, std::chrono::milliseconds(50));
  timer->async_wait([this, timer](beast::error_code) { accept(); });
}

http_server::http_server(server_options options, router routes) {
  validate(options);
  impl_ = std::make_unique<impl>(std::move(options), std::move(routes));
}

http_server::~http_server() {
  try {
    stop();
  } catch (...) {
    // stop() only throws when called from an I/O thread; a destructor cannot help that.
  }
}

void http_server::start() {
  std::lock_guard<std::mutex> lock(impl_->lifecycle_mutex);
  if (impl_->started || impl_->stopped) {
    throw std::logic_error("http_server::start() may be called once, before stop()");
  }
  impl_->listen();
  {
    std::unique_lock<std::shared_mutex> gate(impl_->core.gate->mutex);
    impl_->core.gate->open = true;
  }
  impl_->started = true;
  impl_->delayed_timer.emplace(impl_->core.ioc);
  net::dispatch(impl_->accept_strand, [this] { impl_->accept(); });
  impl_->work.emplace(impl_->core.ioc.get_executor());
  for (int i = 0; i < impl_->core.options.threads; ++i) {
    impl_->threads.emplace_back([core = &impl_->core] {
      pthread_setname_np(pthread_self(), "tx-api-io");  // as `top -H` shows it
      server_core::io_thread_of = core;
      for (;;) {
        try {
          core->ioc.run();
          return;
        } catch (const std::exception& e) {
          core->log(std::string("an I/O thread caught: ") + e.what());
        }
      }
    });
  }
}

void http_server::stop() {
  std::lock_guard<std::mutex> lock(impl_->lifecycle_mutex);
  if (impl_->stopped) return;
  for (const auto& thread : impl_->threads) {
    if (thread.get_id() == std::this_thread::get_id()) {
      throw std::logic_error("http_server::stop() called from one of its own I/O threads");
    }
  }
  impl_->stopped = true;
  {
    std::unique_lock<std::shared_mutex> gate(impl_->core.gate->mutex);
    impl_->core.gate->open = false;
  }
  impl_->work.reset();
  impl_->core.ioc.stop();
  for (auto& thread : impl_->threads) thread.join();
  impl_->threads.clear();
  // No I/O thread runs now: closing from here races with nothing.
  beast::error_code ignored;
  impl_->acceptor.close(ignored);
  auto connections = impl_->core.take_connections();
  for (auto& entry : connections) entry.second->close_now();
}

std::uint16_t http_server::port() const {
  return impl_->port;
}

const std::string& http_server::listen_address() const {
  return impl_->core.options.listen_address;
}

void http_server::after(std::chrono::steady_clock::duration delay, std::function<void()> callback) {
  std::function<void()> dropped;  // destroyed after the lock: it may hold a responder
  std::shared_lock<std::shared_mutex> lock(impl_->core.gate->mutex);
  if (!impl_->core.gate->open) {
    dropped = std::move(callback);
    return;
  }
  const auto due = std::chrono::steady_clock::now() + delay;
  {
    std::lock_guard<std::mutex> queue_lock(impl_->delayed_mutex);
    auto& queue = impl_->delayed_queue;
    if (queue.empty() || due >= queue.back().due) {
      queue.push_back({due, std::move(callback)});
      if (!impl_->delayed_timer_waiting) impl_->wait_for_delayed(queue.front().due);
      return;
    }
  }
  auto timer = std::make_shared<net::steady_timer>(impl_->core.ioc, due);
  timer->async_wait(
      [timer, callback = std::move(callback), core = &impl_->core](beast::error_code ec) {
        if (!ec) run_after_callback(*core, callback);
      });
}

// Under delayed_mutex.
void http_server::impl::wait_for_delayed(std::chrono::steady_clock::time_point due) {
  delayed_timer_waiting = true;
  delayed_timer->expires_at(due);
  delayed_timer->async_wait([this](beast::error_code ec) {
    if (ec) return;  // stop()
    run_due_delayed();
  });
}

void http_server::impl::run_due_delayed() {
  std::vector<std::function<void()>> due_now;
  {
    std::lock_guard<std::mutex> lock(delayed_mutex);
    delayed_timer_waiting = false;
    const auto now = std::chrono::steady_clock::now();
    while (!delayed_queue.empty() && delayed_queue.front().due <= now) {
      due_now.push_back(std::move(delayed_queue.front().callback));
      delayed_queue.pop_front();
    }
    if (!delayed_queue.empty()) wait_for_delayed(delayed_queue.front().due);
  }
  for (const auto& callback : due_now) run_after_callback(core, callback);
}

server_stats http_server::stats() const {
  const auto& c = impl_->core.counters;
  auto get = [](const std::atomic<std::uint64_t>& v) { return v.load(std::memory_order_relaxed); };
  server_stats s;
  s.connections_accepted = get(c.connections_accepted);
  s.connections_open = get(c.connections_open);
  s.connections_rejected = get(c.connections_rejected);
  s.requests = get(c.requests);
  s.responses = get(c.responses);
  s.malformed_requests = get(c.malformed_requests);
  s.read_timeouts = get(c.read_timeouts);
  s.handler_errors = get(c.handler_errors) + get(impl_->core.gate->unanswered);
  s.dropped_connections = get(c.dropped_connections);
  return s;
}

}  // namespace tixsync::api
