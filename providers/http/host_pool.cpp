// The keep-alive pool of one host (see host_pool.hpp): which connection carries a request, when
// a connection is opened, kept idle or closed, and the FIFO queue of requests waiting for one.
#include "providers/http/host_pool.hpp"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <utility>

namespace tixsync::providers::http::detail {

host_pool::host_pool(pool_executor executor, parsed_url origin,
                     boost::asio::ssl::context* tls_context, const client_options& options,
                     client_counters& counters)
    : executor_(std::move(executor)),
      origin_(std::move(origin)),
      tls_context_(tls_context),
      options_(options),
      counters_(counters),
      limit_(std::max<std::size_t>(1, options.max_connections_per_host)),
      idle_sweep_(executor_) {}

void host_pool::submit(std::shared_ptr<exchange> ex) {
  {
    std::lock_guard<std::mutex> lock(submitted_mutex_);
    submitted_.push_back(std::move(ex));
    if (take_posted_) return;  // the handler already posted takes this one too
    take_posted_ = true;
  }
  boost::asio::post(executor_, [self = shared_from_this()] { self->take_submitted(); });
}

void host_pool::take_submitted() {
  published on_exit{*this};
  std::vector<std::shared_ptr<exchange>> batch;
  {
    std::lock_guard<std::mutex> lock(submitted_mutex_);
    batch.swap(submitted_);
    take_posted_ = false;
  }
  for (auto& ex : batch) dispatch(std::move(ex));  // in the order they were submitted
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
  if (may_open()) return open_connection(std::move(ex));
  waiting_.push_back(std::move(ex));
}

void host_pool::open_connection(std::shared_ptr<exchange> ex) {
  auto fresh = std::make_shared<connection>(executor_, tls_context_, origin_, options_, counters_,
                                            shared_from_this());
  connections_.push_back(fresh);
  unproven_.push_back(fresh.get());
  ex->begin();
  fresh->run(std::move(ex));
}

void host_pool::connection_done(const std::shared_ptr<connection>& done, bool reusable,
                                std::shared_ptr<exchange> resend) {
  published on_exit{*this};
  // Answered (or failed): no longer holds back the opening of others.
  unproven_.erase(std::remove(unproven_.begin(), unproven_.end(), done.get()), unproven_.end());
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
    return start_waiting();  // more may open now that `done` has answered
  }
  done->mark_idle();
  idle_.push_back(done);
  if (!sweep_armed_) arm_idle_sweep();
}

bool host_pool::may_open() const {
  return connections_.size() < limit_ && unproven_.size() < max_unproven;
}

void host_pool::arm_idle_sweep() {
  if (idle_.empty() || stopped_) return;
  sweep_armed_ = true;
  idle_sweep_.expires_at(idle_.front()->idle_since() + options_.idle_timeout);
  idle_sweep_.async_wait(
      [self = shared_from_this()](boost::system::error_code ec) { self->sweep_idle(ec); });
}

void host_pool::sweep_idle(boost::system::error_code ec) {
  published on_exit{*this};
  sweep_armed_ = false;
  if (ec || stopped_) return;
  // idle_ is in the order the connections went idle: the expired ones are at the front.
  const auto now = std::chrono::steady_clock::now();
  auto first_kept = idle_.begin();
  while (first_kept != idle_.end() && (*first_kept)->idle_since() + options_.idle_timeout <= now)
    ++first_kept;
  std::vector<std::shared_ptr<connection>> expired(idle_.begin(), first_kept);
  idle_.erase(idle_.begin(), first_kept);
  for (auto& gone : expired) {
    forget(gone);
    gone->close();
  }
  arm_idle_sweep();
}

void host_pool::start_waiting() {
  while (!waiting_.empty() && may_open()) {
    auto next = std::move(waiting_.front());
    waiting_.pop_front();
    open_connection(std::move(next));
  }
}

void host_pool::forget(const std::shared_ptr<connection>& gone) {
  connections_.erase(std::remove(connections_.begin(), connections_.end(), gone),
                     connections_.end());
  unproven_.erase(std::remove(unproven_.begin(), unproven_.end(), gone.get()), unproven_.end());
}

void host_pool::stop_now() {
  published on_exit{*this};
  stopped_ = true;
  auto waiting = std::move(waiting_);
  waiting_.clear();
  for (auto& ex : waiting) fail_shutdown(*ex);
  // Moved out first: closing breaks the connection <-> pool reference cycle.
  auto connections = std::move(connections_);
  connections_.clear();
  unproven_.clear();
  idle_.clear();
  idle_sweep_.cancel();
  for (auto& open : connections) open->close();
}

void host_pool::publish_sizes() {
  const auto connections = static_cast<std::int64_t>(connections_.size());
  const auto waiting = static_cast<std::int64_t>(waiting_.size());
  if (connections != published_connections_) {
    counters_.tally->add_connections(connections - published_connections_);
    published_connections_ = connections;
  }
  if (waiting != published_waiting_) {
    counters_.tally->add_waiting(waiting - published_waiting_);
    published_waiting_ = waiting;
  }
}

void host_pool::fail_shutdown(exchange& ex) const {
  ex.fail(transport_error_kind::shutdown,
          "the HTTP client stopped before the request to " + ex.where() + " finished");
}

}  // namespace tixsync::providers::http::detail
