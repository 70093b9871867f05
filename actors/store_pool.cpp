// The store threads: a worker pool whose per-thread state is a queue port and an order reader
// over the node's shared event cache.
#include "actors/store_pool.hpp"

#include <utility>

namespace tixsync::actors {
namespace {

persistence::worker_pool_options store_pool_options(std::size_t threads,
                                                    std::function<void(const std::string&)> log) {
  persistence::worker_pool_options o;
  o.name = "tx-store";
  o.threads = threads;
  o.on_stop = persistence::drain_policy::run_queued;
  o.log = std::move(log);
  return o;
}

}  // namespace

store_worker::store_worker(std::unique_ptr<persistence::queue_port> queue, event_cache& cache)
    : port(std::move(queue)), events(cache) {}

store_pool::store_pool(persistence::queue_port_factory ports, std::size_t threads,
                       std::function<void(const std::string&)> log)
    : events_(std::make_shared<event_cache>()),
      pool_(store_pool_options(threads, std::move(log)),
            [ports = std::move(ports), events = events_] {
              return std::make_unique<store_worker>(ports(), *events);
            }) {}

void store_pool::stop(bool drain) {
  if (drain) {
    pool_.stop(persistence::drain_policy::run_queued, "");
  } else {
    pool_.stop(persistence::drain_policy::abandon_queued,
               "the node stopped at once; the leases of their orders run out");
  }
}

}  // namespace tixsync::actors
