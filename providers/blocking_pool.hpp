// A bounded pool for blocking provider code: a fixed number of worker threads and a bounded
// queue. Every submitted task either runs or is abandoned with a reason, exactly once; a full
// queue rejects at once instead of blocking the submitter (which may be a scheduler thread).
// It is not persistence::worker_pool (the Redis threads' pool) on purpose: its contract is the
// provider's, every task ending exactly once through its own `abandon` with a sync_error (a
// rejection on the submitter's thread, a throw converted by to_sync_error, a shutdown as
// retryable), and providers/ stays free of persistence/ and Redis.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "providers/sync_error.hpp"

namespace tixsync::providers {

class blocking_pool {
 public:
  struct options {
    std::size_t threads = 4;           ///< worker threads (>= 1): the blocking concurrency
    std::size_t queue_capacity = 256;  ///< tasks that may wait for a worker (>= 1)
  };

  /// A unit of work: `run` on a worker thread, or `abandon` with the reason if it never runs.
  /// If `run` throws, `abandon` receives the exception converted by to_sync_error: a task that
  /// reports through a once-only completion thus reports exactly once, even when it throws after
  /// reporting (the second report is ignored).
  struct task {
    std::function<void()> run;
    std::function<void(const sync_error&)> abandon;
  };

  /// Starts the worker threads. Throws std::invalid_argument for zero threads or capacity.
  explicit blocking_pool(options opts);
  /// shutdown().
  ~blocking_pool();
  blocking_pool(const blocking_pool&) = delete;
  blocking_pool& operator=(const blocking_pool&) = delete;

  /// Queues `t` and returns true. Never blocks: when queue_capacity tasks are already waiting,
  /// calls `t.abandon` on the calling thread with a rate_limited error (signature
  /// "pool-saturated": back-pressure, retried without using an attempt) and returns false;
  /// after shutdown, with the recoverable "shutdown" error.
  bool submit(task t);

  /// Stops accepting tasks, abandons the waiting ones with a recoverable error (signature
  /// "shutdown", retry at once), waits for the running ones and joins the threads. Idempotent.
  /// Must not be called from one of the pool's own tasks.
  void shutdown();

  std::size_t threads() const { return workers_.size(); }
  std::size_t queue_capacity() const { return capacity_; }
  /// Tasks waiting for a worker.
  std::size_t queued() const;
  /// Tasks being run right now.
  std::size_t running() const;

 private:
  void work();
  static void execute(task& t);
  static void abandon(task& t, const sync_error& error);

  const std::size_t capacity_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<task> queue_;
  std::size_t running_ = 0;
  bool stopping_ = false;
  std::mutex shutdown_mutex_;  // serialises concurrent shutdown() calls
  std::vector<std::thread> workers_;
};

}  // namespace tixsync::providers
