// The bounded pool of store-worker threads: the only threads that talk to Redis. Each owns its
// connection, stores and order reader; actors post jobs and get the answers back as messages,
// so no scheduled actor ever blocks on hiredis.
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
#include "persistence/audit_log.hpp"
#include "persistence/queue_store.hpp"
#include "persistence/redis_connection.hpp"
#include "persistence/result_store.hpp"
#include "persistence/snapshot_store.hpp"

namespace tixsync::actors {

/// What one store thread owns (nothing of it is thread-safe; only its thread uses it).
struct store_worker {
  store_worker(const persistence::connection_options& connection,
               const persistence::queue_options& queue_options, event_cache& events);

  persistence::redis_connection connection;
  persistence::queue_store queue;
  persistence::snapshot_store snapshots;
  persistence::result_store results;
  persistence::audit_log audit;
  persistence::key_space keys;
  mapping::order_reader reader;
  event_cache& events;
};

/// Runs jobs on a fixed number of threads, in posting order per thread pick-up.
class store_pool {
 public:
  using job = std::function<void(store_worker&)>;

  /// Starts `threads` (>= 1) workers; each connects lazily on its first job.
  store_pool(persistence::connection_options connection, persistence::queue_options queue,
             std::size_t threads);
  ~store_pool();
  store_pool(const store_pool&) = delete;
  store_pool& operator=(const store_pool&) = delete;

  /// Queues a job; false (job dropped) once stopped.
  bool post(job work);
  /// Runs a job on the calling thread with a fresh worker (start-up checks only).
  void run_here(const job& work);
  /// Stops the threads: with `drain`, queued jobs still run; without, they are dropped.
  /// Joins the threads. Idempotent.
  void stop(bool drain);
  /// Jobs waiting or running.
  std::size_t pending() const;

 private:
  void run(std::size_t index);

  persistence::connection_options connection_;
  persistence::queue_options queue_;
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
