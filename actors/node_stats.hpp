// The counters of a node since its start, as sync_node::stats() reports them and the HTTP API
// shows them (api::node_counters). A plain header without CAF, so api/ includes it.
#pragma once

#include <cstdint>

namespace tixsync::actors {

/// Counters since start (a snapshot).
struct node_stats {
  std::uint64_t orders_claimed = 0;
  std::uint64_t orders_synced = 0;       ///< completed with results (or nothing to do)
  std::uint64_t orders_skipped = 0;      ///< should_sync_order false
  std::uint64_t orders_dropped = 0;      ///< provider unknown or disabled
  std::uint64_t orders_rescheduled = 0;  ///< recoverable failure, retried later
  std::uint64_t orders_parked = 0;       ///< waiting for a person
  std::uint64_t orders_zombie = 0;       ///< transitions refused for a lost lease
  std::uint64_t objects_synced = 0;      ///< provider called, result stored
  std::uint64_t objects_unchanged = 0;   ///< skipped by change detection
  std::uint64_t objects_empty = 0;       ///< skipped: empty id value or provider returned nothing
  std::uint64_t in_flight = 0;           ///< orders claimed and not yet ended
  std::uint64_t store_errors = 0;        ///< Redis calls that failed

  /// Orders that ended with a queue transition (synced, skipped, dropped, rescheduled, parked).
  std::uint64_t orders_ended() const {
    return orders_synced + orders_skipped + orders_dropped + orders_rescheduled + orders_parked;
  }
};

}  // namespace tixsync::actors
