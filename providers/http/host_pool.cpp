// The keep-alive pool of one host (see host_pool.hpp): which connection carries a request, when
// a connection is opened, kept idle or closed, and the FIFO queue of requests waiting for one.
#include "providers/http/host_pool.hpp"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <utility>

namespace tixsync::providers::http::detail {

host_pool::host_pool(pool_executor executor, parsed_url origin,
                     boost::asio::ssl::context& tls_context, const client_options& options,
                     client_counters& counters)
    : executor_(std::move(executor)),
      origin_(std::move(origin)),
      tls_context_(tls_context),
      options_(options),
      counters_(counters),
      limit_(std::max<std::size_t>(1, options.max_connections_per_host)) {}

void host_pool::submit(std::shared_ptr<exchange> ex) {
  boost::asio::post(executor_, [self = shared_from_this(), ex = std::move(ex)]() mutable {
    self->dispatch(std::move(ex));
  });
}

void host_pool::shutdown() {
  boost::asio::post(executor_, [self = shared_from_this()] { self->stop_now(); });
}

void host_pool::dispatch(std::shared_ptr<exchange> ex) {
  if (stopped_) return fail_shutdown(*ex);
  if (!idle_.empty()) {
    auto reused = std::move(idle_.back());
    idle_.pop_back();
    counters_.connections_reused++;
    ex->begin();
    reused->run(std::move(ex));
    return;
  }
  if (connections_.size() < limit_) return open_connection(std::move(ex));
  waiting_.push_back(std::move(ex));
}

void host_pool::open_connection(std::shared_ptr<exchange> ex) {
  auto fresh = std::make_shared<connection>(executor_, tls_context_, origin_, options_, counters_,
                                            shared_from_this());
  connections_.push_back(fresh);
  ex->begin();
  fresh->run(std::move(ex));
}

void host_pool::connection_done(const std::shared_ptr<connection>& done, bool reusable,
                                std::shared_ptr<exchange> resend) {
  if (!reusable) forget(done);
  if (stopped_) {
    if (resend) fail_shutdown(*resend);
    done->close();
    forget(done);
    return;
  }
  if (resend) return open_connection(std::move(resend));  // takes the slot `done` had
  if (!reusable) return start_waiting();
  if (!waiting_.empty()) {
    auto next = std::move(waiting_.front());
    waiting_.pop_front();
    counters_.connections_reused++;
    next->begin();
    done->run(std::move(next));
    return;
  }
  idle_.push_back(done);
  done->wait_idle();
}

void host_pool::idle_expired(const std::shared_ptr<connection>& idle) {
  idle_.erase(std::remove(idle_.begin(), idle_.end(), idle), idle_.end());
  forget(idle);
  idle->close();
}

void host_pool::start_waiting() {
  while (!waiting_.empty() && connections_.size() < limit_) {
    auto next = std::move(waiting_.front());
    waiting_.pop_front();
    open_connection(std::move(next));
  }
}

void host_pool::forget(const std::shared_ptr<connection>& gone) {
  connections_.erase(std::remove(connections_.begin(), connections_.end(), gone),
                     connections_.end());
}

void host_pool::stop_now() {
  stopped_ = true;
  auto waiting = std::move(waiting_);
  waiting_.clear();
  for (auto& ex : waiting) fail_shutdown(*ex);
  // Moved out first: closing breaks the connection <-> pool reference cycle.
  auto connections = std::move(connections_);
  connections_.clear();
  idle_.clear();
  for (auto& open : connections) open->close();
}

void host_pool::fail_shutdown(exchange& ex) const {
  ex.fail(transport_error_kind::shutdown,
          "the HTTP client stopped before the request to " + ex.where() + " finished");
}

}  // namespace tixsync::providers::http::detail
