// The audit log of one order in one provider's queue: what happened (enqueued, started, synced
// with objects, retry scheduled, parked with reason, lease expired, retried or canceled by a
// person). The queue scripts write it; this class reads it and lets the runtime add entries.
// Each log is a Redis list, newest first, capped in length and expiring after a retention time.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "persistence/keys.hpp"
#include "persistence/redis_connection.hpp"

namespace tixsync::persistence {

/// One entry: when, what, and the rest of the entry's fields (node, errors, objects, ...).
struct audit_entry {
  std::int64_t at_ms = 0;
  std::string what;
  nlohmann::json data = nlohmann::json::object();  ///< the entry without "at" and "what"
};

/// Not thread-safe: one per worker connection.
class audit_log {
 public:
  /// `cap` and `retention_ms` apply to entries added with append(); use the queue's values.
  explicit audit_log(redis_connection& connection, key_space keys = key_space(),
                     std::size_t cap = 100, std::int64_t retention_ms = 30LL * 24 * 3600 * 1000);

  /// The newest `limit` entries (1..1000), newest first.
  status_or<std::vector<audit_entry>> read(const item_ref& ref, std::size_t limit = 100);
  /// Adds an entry (e.g. "skipped" when should_sync_order is false). `data` must be an object
  /// (or null) and must not contain "at" or "what".
  status append(const item_ref& ref, const std::string& what, const nlohmann::json& data,
                std::int64_t now_ms);

 private:
  redis_connection& connection_;
  key_space keys_;
  std::size_t cap_;
  std::int64_t retention_ms_;
};

}  // namespace tixsync::persistence
