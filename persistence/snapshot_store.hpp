// The newest order and event JSON received (snapshots), each under its own key, stored as given,
// so a sync always works on the newest data. Snapshot keys are tagged by event; the orders of an
// event with a snapshot are listed with a bounded SCAN (for resyncs).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "persistence/keys.hpp"
#include "persistence/redis_connection.hpp"

namespace tixsync::persistence {

/// An (event, order) pair whose snapshots to fetch.
struct order_key {
  std::string event;
  std::string order;
};

/// Snapshots fetched for a batch of claimed items: the event JSON is shared between the orders
/// of one event (it can be large).
struct snapshot_batch {
  std::vector<std::optional<std::string>> orders;  ///< same order as the request; nullopt: none
  std::map<std::string, std::shared_ptr<const std::string>> events;  ///< only those found
};

/// Bounds of snapshot_store::list_orders.
struct listing_limits {
  std::chrono::milliseconds time{30000};  ///< the whole scan; past it, a timeout error
  std::size_t max_orders = 1000000;       ///< more snapshots than this: an error
  std::size_t scan_count = 1000;          ///< SCAN COUNT hint per round trip
};

/// Not thread-safe: one per worker connection. Store a snapshot BEFORE enqueueing its order
/// (or pass it in enqueue_request::order_json), so whoever claims the item sees it.
class snapshot_store {
 public:
  /// `ttl_ms` > 0 lets order snapshots expire that long after their last write.
  explicit snapshot_store(redis_connection& connection, key_space keys = key_space(),
                          std::int64_t ttl_ms = 0);

  /// Stores the order JSON exactly as given (no parsing here; must not be empty).
  status put_order(const std::string& event, const std::string& order, const std::string& json);
  /// Stores the event JSON as given.
  status put_event(const std::string& event, const std::string& json);
  /// Combines the event snapshot stored now (nullopt: none) with a new one into the JSON to
  /// store; "" stores nothing.
  using event_merge = std::function<std::string(const std::optional<std::string>& stored)>;
  /// Stores what `merge` makes of the stored event snapshot, so that no other writer's snapshot
  /// stored in between is lost: WATCH and GET, then MULTI, SET, EXEC; when the snapshot changed
  /// meanwhile (or the connection was replaced, dropping the WATCH), it reads and merges again,
  /// up to `attempts` times, then fails with server_error saying so.
  status put_event_merged(const std::string& event, const event_merge& merge, int attempts = 8);
  status_or<std::optional<std::string>> get_order(const std::string& event,
                                                  const std::string& order);
  status_or<std::optional<std::string>> get_event(const std::string& event);
  /// The order snapshots of `orders` and the event snapshots of their events in one MGET.
  status_or<snapshot_batch> get_many(const std::vector<order_key>& orders);
  /// The codes of the orders of `event` that have a snapshot, sorted and unique (a resync's
  /// list). Snapshots have no per-event index, so this SCANs with MATCH over the event's
  /// snapshot keys: O(all keys of the database) round trips of `scan_count`. All or nothing:
  /// past `limits.time` a `timeout` error, more than `limits.max_orders` an `invalid_argument`
  /// error, and no partial list.
  status_or<std::vector<std::string>> list_orders(const std::string& event,
                                                  const listing_limits& limits = {});
  /// The events that have an event snapshot or a snapshot of order `order` (sorted, unique): where
  /// a lookup by order code alone looks. A bounded SCAN over every snapshot key, as list_orders.
  status_or<std::vector<std::string>> list_events(const std::string& order,
                                                  const listing_limits& limits = {});

 private:
  /// SCANs the keys matching `pattern` within `limits.time` (`what` names it in the timeout
  /// error), calling `each` per key; the first error `each` returns ends the scan.
  status scan_keys(const std::string& pattern, const listing_limits& limits,
                   const std::string& what, const std::function<status(const std::string&)>& each);
  redis_connection& connection_;
  key_space keys_;
  std::int64_t ttl_ms_;
};

}  // namespace tixsync::persistence
