// The bounded pool of store-worker threads: the only threads that touch the queue. Each owns its
// queue port (its own Redis connection) and order reader; actors post jobs and get the answers
// back as messages, so no scheduled actor ever blocks on the queue.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "actors/event_cache.hpp"
#include "mapping/order_reader.hpp"
#include "persistence/queue_port.hpp"

namespace tixsync::actors {

/// What one store thread owns (nothing of it is thread-safe; only its thread uses it).
struct store_worker {
  store_worker(std::unique_ptr<persistence::queue_port> port, event_cache& events);

  std::unique_ptr<persistence::queue_port> port;
  mapping::order_reader reader;
  event_cache& events;
};

/// Where the actors post their store jobs: the store threads, or (in unit tests) a queue the
/// test runs by hand.
class store_executor {
 public:
  using job = std::function<void(store_worker&)>;

  virtual ~store_executor() = default;
  /// Queues a job; false (job dropped) once stopped.
  virtual bool post(job work) = 0;
  /// Stops: with `drain`, queued jobs still run; without, they are dropped. Idempotent.
  virtual void stop(bool drain) = 0;
};

/// Runs jobs on a fixed number of threads, in posting order per thread pick-up.
class store_pool final : public store_executor {
 public:
  /// Starts `threads` (>= 1) workers, each with a port of `ports` (which connects lazily).
  store_pool(persistence::queue_port_factory ports, std::size_t threads);
  ~store_pool() override;
  store_pool(const store_pool&) = delete;
  store_pool& operator=(const store_pool&) = delete;

  bool post(job work) override;
  /// Runs a job on the calling thread with a fresh worker (start-up checks only).
  void run_here(const job& work);
  /// Joins the threads as well.
  void stop(bool drain) override;
  /// Jobs waiting or running.
  std::size_t pending() const;

 private:
  void run(std::size_t index);

  persistence::queue_port_factory ports_;
  event_cache events_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<job> jobs_;
  std::size_t running_ = 0;
  bool stopping_ = false;
  bool drain_ = true;
  std::vector<std::thread> threads_;
};

}  // namespace tixsync::actors
