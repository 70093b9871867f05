// The newest order and event JSON received (snapshots), each under its own key, stored as given,
// so a sync always works on the newest data. Snapshot keys are tagged by event.
#pragma once

#include <cstdint>
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
  status_or<std::optional<std::string>> get_order(const std::string& event,
                                                  const std::string& order);
  status_or<std::optional<std::string>> get_event(const std::string& event);
  /// The order snapshots of `orders` and the event snapshots of their events in one MGET.
  status_or<snapshot_batch> get_many(const std::vector<order_key>& orders);

 private:
  redis_connection& connection_;
  key_space keys_;
  std::int64_t ttl_ms_;
};

}  // namespace tixsync::persistence
