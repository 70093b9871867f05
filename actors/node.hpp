// The public face of the actor runtime: one worker node that claims queue items from Redis, syncs
// them through the providers and records the outcome. Plain C++ (pimpl): callers never see CAF.
// The program wires signals to stop()/hard_stop(); tests and benchmarks run nodes in-process.
// Its options and statistics have their own headers (node_options.hpp, node_stats.hpp).
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>

#include "actors/node_options.hpp"
#include "actors/node_stats.hpp"
#include "providers/registry.hpp"

namespace tixsync::actors {

/// What a graceful stop achieved.
struct stop_report {
  std::size_t finished = 0;    ///< orders that ended (any outcome) during the grace period
  std::size_t given_back = 0;  ///< leases handed back for other nodes to resume
};

/// One worker node. start() once; then stop() or hard_stop() (the destructor hard-stops). All
/// methods may be called from any thread.
class sync_node {
 public:
  /// Keeps the registry; every registered provider's queue is worked on.
  sync_node(node_options options, std::shared_ptr<providers::provider_registry> registry);
  ~sync_node();
  sync_node(const sync_node&) = delete;
  sync_node& operator=(const sync_node&) = delete;

  /// Connects to Redis (throws std::runtime_error when unreachable) and starts claiming.
  void start();
  /// Graceful: stops claiming, lets running orders end within `grace`, gives back the leases
  /// of those that did not, then shuts the runtime down. Idempotent.
  stop_report stop(std::chrono::milliseconds grace);
  stop_report stop();
  /// At once: no further Redis writes, actors killed; leases run out and other nodes resume.
  /// May be called while stop() waits (a second signal): stop() then ends at once.
  void hard_stop();

  node_stats stats() const;
  const node_options& options() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace tixsync::actors
