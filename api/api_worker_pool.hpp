// The threads that do the HTTP API's blocking Redis work (`tx-api-N`), so no I/O thread ever
// waits on Redis: a persistence::worker_pool whose threads each own a Redis connection and the
// stores over it (hiredis contexts are not thread-safe). Jobs wait in a bounded FIFO; a full
// queue is refused, never grown; at stop the queued jobs still run.
#pragma once

#include <cstddef>
#include <functional>
#include <string>

#include "persistence/audit_log.hpp"
#include "persistence/keys.hpp"
#include "persistence/node_registry.hpp"
#include "persistence/provider_pause.hpp"
#include "persistence/queue_store.hpp"
#include "persistence/redis_connection.hpp"
#include "persistence/result_store.hpp"
#include "persistence/snapshot_store.hpp"
#include "persistence/worker_pool.hpp"

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

using api_worker_pool = persistence::worker_pool<redis_worker>;

/// The API pool's settings: `threads` (>= 1) threads, at most `max_queued` jobs waiting, queued
/// jobs run at stop, failed jobs logged through `log`.
persistence::worker_pool_options api_pool_options(int threads,
                                                  std::function<void(const std::string&)> log,
                                                  std::size_t max_queued = 1000);

/// Makes each thread's redis_worker (which connects lazily on its first command).
api_worker_pool::factory redis_workers(persistence::connection_options redis,
                                       persistence::key_space keys);

}  // namespace tixsync::api
