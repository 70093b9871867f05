// http_client: owns the I/O threads, the TLS context and one keep-alive pool per (scheme, host,
// port); send() checks the request and hands it to its pool, stop() fails what is pending and
// joins the threads. Also the small value helpers of http_client.hpp.
//
// The TLS context is built when the first https pool opens: loading the system's CA store costs
// tens of milliseconds of CPU, which a node that speaks plain HTTP (a loopback CRM, a mock) or a
// short `run --exit-when-drained` should not pay at every start. A configured CA file is still
// loaded by the constructor, so a wrong path is refused at once.
#include "providers/http/http_client.hpp"

#include <openssl/ssl.h>
#include <pthread.h>

#include <algorithm>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/strand.hpp>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>

#include "providers/http/ascii.hpp"
#include "providers/http/exchange.hpp"
#include "providers/http/host_pool.hpp"

namespace tixsync::providers::http {

const char* to_string(transport_error_kind kind) {
  switch (kind) {
    case transport_error_kind::bad_url:
      return "bad_url";
    case transport_error_kind::resolve:
      return "resolve";
    case transport_error_kind::connect:
      return "connect";
    case transport_error_kind::tls:
      return "tls";
    case transport_error_kind::timeout:
      return "timeout";
    case transport_error_kind::closed:
      return "closed";
    case transport_error_kind::protocol:
      return "protocol";
    case transport_error_kind::body_too_large:
      return "body_too_large";
    case transport_error_kind::shutdown:
      return "shutdown";
    case transport_error_kind::credentials:
      return "credentials";
  }
  return "unknown";
}

std::optional<std::string> http_response::header(const std::string& name) const {
  for (const auto& [key, value] : headers) {
    if (detail::equals_ignoring_case(key, name)) return value;
  }
  return std::nullopt;
}

namespace {

boost::asio::ssl::context make_tls_context(const client_options& options) {
  namespace ssl = boost::asio::ssl;
  ssl::context context(ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(context.native_handle(), TLS1_2_VERSION);
  boost::system::error_code ec;
  context.set_default_verify_paths(ec);  // a machine without a system store still gets ca_file
  if (!options.ca_file.empty()) {
    context.load_verify_file(options.ca_file, ec);
    if (ec) {
      throw std::runtime_error("cannot load the CA file '" + options.ca_file +
                               "': " + ec.message());
    }
  }
  context.set_verify_mode(options.verify_tls ? ssl::verify_peer : ssl::verify_none);
  return context;
}

}  // namespace

struct http_client::impl {
  explicit impl(client_options opts)
      : options(std::move(opts)),
        tally(options.tally ? options.tally : std::make_shared<request_tally>()),
        io(std::max(1, options.threads)),
        work(boost::asio::make_work_guard(io)) {
    counters.tally = tally.get();
    if (!options.ca_file.empty()) tls_context.emplace(make_tls_context(options));
  }

  /// The TLS context, built on first use. Called under `mutex`.
  boost::asio::ssl::context& tls() {
    if (!tls_context) tls_context.emplace(make_tls_context(options));
    return *tls_context;
  }

  void run_io() {
    for (;;) {
      try {
        io.run();
        return;
      } catch (...) {
        // A handler threw (completions' own exceptions are dropped where they run). The pools'
        // state is consistent between handlers, so the thread keeps serving.
      }
    }
  }

  /// Where a new pool runs: with one I/O thread the io_context itself (its handlers never run
  /// concurrently, and posts from that thread skip the shared queue); else a strand.
  detail::pool_executor pool_executor() {
    if (options.threads <= 1) return io.get_executor();
    return boost::asio::make_strand(io);
  }

  bool on_io_thread() const {
    return std::find(thread_ids.begin(), thread_ids.end(), std::this_thread::get_id()) !=
           thread_ids.end();
  }

  // Declared before the io_context: what its handlers (connections, requests) refer to must
  // outlive it.
  client_options options;
  std::shared_ptr<request_tally> tally;
  detail::client_counters counters;
  std::optional<boost::asio::ssl::context> tls_context;  // see tls()
  boost::asio::io_context io;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work;

  std::mutex mutex;  // guards stopped, pools and last_pool
  bool stopped = false;
  std::map<std::string, std::shared_ptr<detail::host_pool>> pools;
  /// The pool of the previous request and its origin: a provider sends its requests to one
  /// origin, which then needs no key built and looked up per request.
  struct {
    detail::host_pool* pool = nullptr;
    bool tls = false;
    std::string host;
    std::uint16_t port = 0;
  } last_pool;

  std::mutex join_mutex;
  std::vector<std::thread> threads;
  std::vector<std::thread::id> thread_ids;  // written once by the constructor, then read only
};

http_client::http_client(client_options options)
    : impl_(std::make_unique<impl>(std::move(options))) {
  const int count = std::max(1, impl_->options.threads);
  for (int i = 0; i < count; ++i) {
    impl_->threads.emplace_back([state = impl_.get()] {
      pthread_setname_np(pthread_self(), "tx-http");  // as `top -H` shows it
      state->run_io();
    });
    impl_->thread_ids.push_back(impl_->threads.back().get_id());
  }
}

http_client::~http_client() {
  stop();
  if (impl_->on_io_thread()) {
    // Destroyed by a completion on one of its own I/O threads: no I/O thread can be joined (each
    // waits for this completion to end), so the threads are detached and the state is left alive
    // (leaked) for them instead of destroyed under them. They end once the work is done.
    for (auto& thread : impl_->threads) thread.detach();
    (void)impl_.release();
  }
}

void http_client::send(http_request request, callback done) {
  if (!done) done = [](http_result) {};
  const auto started = std::chrono::steady_clock::now();
  impl_->counters.requests++;
  auto fail_now = [&](transport_error_kind kind, std::string message) {
    impl_->counters.rejected_at_send++;
    http_result result;
    result.error = transport_error{kind, std::move(message)};
    result.elapsed = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - started);
    done(std::move(result));
  };

  parsed_url url;
  detail::request_wire message;
  try {
    url = parse_url(request.url);
    message = detail::build_request_wire(request, url, impl_->options.user_agent);
  } catch (const std::invalid_argument& e) {
    return fail_now(transport_error_kind::bad_url, e.what());
  }
  const auto total_timeout = request.timeout.value_or(impl_->options.total_timeout);
  {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    if (!impl_->stopped) {
      auto& last = impl_->last_pool;
      if (!last.pool || last.tls != url.tls || last.port != url.port || last.host != url.host) {
        const std::string key = (url.tls ? "https://" : "http://") + detail::endpoint_text(url);
        auto& pool = impl_->pools[key];
        if (!pool) {
          // A plain-HTTP pool never touches the TLS context; it gets one only if one exists.
          auto* tls = url.tls ? &impl_->tls() : nullptr;
          pool = std::make_shared<detail::host_pool>(impl_->pool_executor(), url, tls,
                                                     impl_->options, impl_->counters);
        }
        last = {pool.get(), url.tls, url.host, url.port};  // pools are never removed
      }
      // Submitted under the lock: stop() cannot slip in between and miss this request.
      last.pool->submit(std::make_shared<detail::exchange>(
          std::move(message), std::move(url), total_timeout, std::move(done), impl_->counters));
      return;
    }
  }
  fail_now(transport_error_kind::shutdown, "the HTTP client is stopped; the request to " +
                                               detail::endpoint_text(url) + " was not sent");
}

void http_client::stop() {
  std::vector<std::shared_ptr<detail::host_pool>> pools;
  {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    if (!impl_->stopped) {
      impl_->stopped = true;
      for (auto& [key, pool] : impl_->pools) pools.push_back(pool);
    }
  }
  for (auto& pool : pools) pool->shutdown();
  impl_->work.reset();
  // The threads end once every pool has failed its requests and closed its connections and the
  // completions have run. A stop() from a completion cannot join (the threads wait for that very
  // completion to end); the destructor, or a later stop() from another thread, joins them.
  if (impl_->on_io_thread()) return;
  std::lock_guard<std::mutex> lock(impl_->join_mutex);
  for (auto& thread : impl_->threads) {
    if (thread.joinable()) thread.join();
  }
}

client_stats http_client::stats() const {
  return impl_->counters.snapshot();
}

std::shared_ptr<const request_tally> http_client::tally() const {
  return impl_->tally;
}

}  // namespace tixsync::providers::http
