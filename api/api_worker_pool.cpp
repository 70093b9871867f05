// The API's worker pool: the settings of its threads and their redis_worker.
#include "api/api_worker_pool.hpp"

#include <memory>
#include <utility>

namespace tixsync::api {

redis_worker::redis_worker(const persistence::connection_options& redis,
                           const persistence::key_space& keys_in)
    : keys(keys_in),
      connection(redis),
      queue(connection, persistence::queue_options{keys_in}),
      results(connection, keys_in),
      audit(connection, keys_in),
      snapshots(connection, keys_in),
      nodes(connection, keys_in),
      pauses(connection, keys_in) {}

persistence::worker_pool_options api_pool_options(int threads,
                                                  std::function<void(const std::string&)> log,
                                                  std::size_t max_queued) {
  persistence::worker_pool_options o;
  o.name = "tx-api";
  o.threads = static_cast<std::size_t>(threads < 1 ? 1 : threads);
  o.max_queued = max_queued;
  o.on_stop = persistence::drain_policy::run_queued;
  o.log = std::move(log);
  return o;
}

api_worker_pool::factory redis_workers(persistence::connection_options redis,
                                       persistence::key_space keys) {
  return [redis = std::move(redis), keys = std::move(keys)] {
    return std::make_unique<redis_worker>(redis, keys);
  };
}

}  // namespace tixsync::api
