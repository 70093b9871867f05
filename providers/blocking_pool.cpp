// blocking_pool: worker threads taking tasks from a bounded queue; rejection and shutdown paths
// that always end a task through its `abandon`.
#include "providers/blocking_pool.hpp"

#include <pthread.h>

#include <iostream>
#include <optional>
#include <stdexcept>
#include <utility>

namespace tixsync::providers {
namespace {

sync_error saturated_error(std::size_t capacity) {
  return make_sync_error(
      sync_error_kind::rate_limited, "Provider busy",
      "the provider's blocking pool is saturated (" + std::to_string(capacity) + " tasks waiting)",
      "pool-saturated");
}

sync_error shutdown_error() {
  sync_error error = make_sync_error(sync_error_kind::recoverable, "Worker shutting down",
                                     "the node shut down before the task ran", "shutdown");
  error.retry_at = sync_clock::now();
  return error;
}

}  // namespace

blocking_pool::blocking_pool(options opts) : capacity_(opts.queue_capacity) {
  if (opts.threads == 0) throw std::invalid_argument("blocking_pool needs at least one thread");
  if (opts.queue_capacity == 0) throw std::invalid_argument("blocking_pool needs a queue");
  workers_.reserve(opts.threads);
  for (std::size_t i = 0; i < opts.threads; ++i)
    workers_.emplace_back([this] {
      pthread_setname_np(pthread_self(), "tx-blocking");  // as `top -H` shows it
      work();
    });
}

blocking_pool::~blocking_pool() {
  shutdown();
}

bool blocking_pool::submit(task t) {
  std::optional<sync_error> rejection;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) {
      rejection = shutdown_error();
    } else if (queue_.size() >= capacity_) {
      rejection = saturated_error(capacity_);
    } else {
      queue_.push_back(std::move(t));
    }
  }
  if (rejection) {
    abandon(t, *rejection);  // outside the lock: the callback may submit again
    return false;
  }
  wake_.notify_one();
  return true;
}

void blocking_pool::shutdown() {
  std::lock_guard<std::mutex> serial(shutdown_mutex_);
  std::deque<task> pending;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    pending.swap(queue_);
  }
  wake_.notify_all();
  const sync_error error = shutdown_error();
  for (auto& t : pending) abandon(t, error);
  for (auto& worker : workers_) {
    if (worker.joinable()) worker.join();
  }
}

std::size_t blocking_pool::queued() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return queue_.size();
}

std::size_t blocking_pool::running() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return running_;
}

void blocking_pool::work() {
  for (;;) {
    task t;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and shutdown() took what was waiting
      t = std::move(queue_.front());
      queue_.pop_front();
      ++running_;
    }
    execute(t);
    std::lock_guard<std::mutex> lock(mutex_);
    --running_;
  }
}

void blocking_pool::execute(task& t) {
  try {
    if (!t.run) throw std::logic_error("blocking_pool task without a run function");
    t.run();
  } catch (...) {
    abandon(t, to_sync_error(std::current_exception()));
  }
}

void blocking_pool::abandon(task& t, const sync_error& error) {
  if (!t.abandon) return;
  try {
    t.abandon(error);
  } catch (const std::exception& e) {
    // Nobody is left to report to; a worker thread must survive its tasks.
    std::cerr << "tixsync: blocking_pool: abandon handler threw: " << e.what() << "\n";
  } catch (...) {
    std::cerr << "tixsync: blocking_pool: abandon handler threw\n";
  }
}

}  // namespace tixsync::providers
