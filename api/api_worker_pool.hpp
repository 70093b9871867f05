// The fixed pool of threads that does the HTTP API's blocking Redis work, so no I/O thread ever
// waits on Redis. Each thread owns its own Redis connection and stores (hiredis contexts are not
// thread-safe); jobs wait in a bounded FIFO and a full queue is refused, never grown.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>

#include "persistence/audit_log.hpp"
#include "persistence/keys.hpp"
#include "persistence/node_registry.hpp"
#include "persistence/provider_pause.hpp"
#include "persistence/queue_store.hpp"
#include "persistence/redis_connection.hpp"
#include "persistence/result_store.hpp"
#include "persistence/snapshot_store.hpp"

namespace tixsync::api {

/// What one worker thread owns: its connection and the stores over it.
struct redis_worker {
  explicit redis_worker(const persistence::connection_options& redis,
                        const persistence::key_space& keys);
  persistence::key_space keys;
  persistence::redis_connection connection;
  persistence::queue_store queue;
  persistence::result_store results;
  persistence::audit_log audit;
  persistence::snapshot_store snapshots;
  persistence::node_registry nodes;
  persistence::provider_pause_store pauses;
};

class api_worker_pool {
 public:
  using job = std::function<void(redis_worker& worker)>;

  /// Starts `threads` (>= 1) threads; each connects lazily on its first job. At most
  /// `max_queued` jobs wait; more are refused by post().
  api_worker_pool(persistence::connection_options redis, persistence::key_space keys, int threads,
                  std::size_t max_queued = 1000);
  /// stop().
  ~api_worker_pool();
  api_worker_pool(const api_worker_pool&) = delete;
  api_worker_pool& operator=(const api_worker_pool&) = delete;

  /// Queues `work`; false (and `work` dropped unrun) when the queue is full or the pool stopped.
  /// An exception thrown by `work` is swallowed (the caller's responder then answers 500).
  bool post(job work);
  /// Runs the jobs already queued, then joins the threads. Idempotent.
  void stop();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace tixsync::api
