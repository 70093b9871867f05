// The node's store threads (`tx-store-N`), the only threads that touch the queue: a
// persistence::worker_pool whose threads each own a queue port (its own Redis connection) and an
// order reader. Actors post jobs and get the answers back as messages, so no scheduled actor ever
// blocks on the queue.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>

#include "actors/event_cache.hpp"
#include "mapping/order_reader.hpp"
#include "persistence/queue_port.hpp"
#include "persistence/worker_pool.hpp"

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

/// The store threads: unbounded (the actors bound their own in-flight work), drained at a
/// graceful stop, abandoned at a hard one (their leases run out). A job that throws is counted
/// and logged through `log`.
class store_pool final : public store_executor {
 public:
  /// Starts `threads` (>= 1) workers, each with a port of `ports` (which connects lazily).
  store_pool(persistence::queue_port_factory ports, std::size_t threads,
             std::function<void(const std::string&)> log);

  bool post(job work) override { return pool_.post(std::move(work)); }
  /// Runs a job on the calling thread with a fresh worker (start-up checks only).
  void run_here(const job& work) { pool_.run_here(work); }
  /// Joins the threads as well.
  void stop(bool drain) override;
  /// Jobs waiting or running.
  std::size_t pending() const { return pool_.pending(); }

 private:
  std::shared_ptr<event_cache> events_;
  persistence::worker_pool<store_worker> pool_;
};

}  // namespace tixsync::actors
