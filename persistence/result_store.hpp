// Sync results per order and provider (pretix OrderSyncResult): stored while a sync runs (fenced
// by the lease) or at completion (queue_store::complete), read for mapped objects, the dashboard's
// links, and change detection by fingerprint.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "persistence/keys.hpp"
#include "persistence/queue_types.hpp"
#include "persistence/redis_connection.hpp"
#include "persistence/script_runner.hpp"
#include "persistence/stored_json.hpp"
#include "persistence/sync_result.hpp"

namespace tixsync::persistence {

/// Results of one provider per order, in "<prefix>:{<provider>}:results:<event>:<order>", one
/// hash field per (mapping, position). Re-syncing replaces the field; nothing is ever deleted by
/// a later run (pretix quirk 12). Not thread-safe: one per worker connection.
class result_store {
 public:
  explicit result_store(redis_connection& connection, key_space keys = key_space());

  /// Upserts results while holding the lease; stale_lease when the lease was lost (nothing
  /// stored), so a zombie node cannot overwrite newer results.
  status put(const lease& held, const std::vector<sync_result>& results, std::int64_t now_ms);
  /// put() for results already in their stored form (store_form).
  status put_stored(const lease& held, const std::vector<stored_result>& results,
                    std::int64_t now_ms);
  /// All results of an order, ordered by mapping id then position (order-level first).
  status_or<std::vector<sync_result>> get(const item_ref& ref);
  /// The results of many orders in one pipeline (per order in stored order, not sorted);
  /// malformed results are left out, provider and order code filled in from the ref.
  status_or<std::vector<std::vector<sync_result>>> get_many(const std::vector<item_ref>& refs);
  /// One result, or nullopt.
  status_or<std::optional<sync_result>> get_one(const item_ref& ref, std::int64_t mapping_id,
                                                std::optional<std::int64_t> position_id);
  /// True when the stored result of (mapping, position) has this fingerprint, i.e. the
  /// properties did not change since their last successful sync.
  status_or<bool> unchanged(const item_ref& ref, std::int64_t mapping_id,
                            std::optional<std::int64_t> position_id,
                            const std::string& fingerprint);

 private:
  redis_connection& connection_;
  script_runner scripts_;
  key_space keys_;
};

}  // namespace tixsync::persistence
