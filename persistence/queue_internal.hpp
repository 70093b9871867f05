// Plumbing shared by the queue_store source files (not part of the public API): input checks,
// grouping batches by provider, and turning per-item script codes into statuses.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "persistence/queue_types.hpp"
#include "persistence/redis_connection.hpp"

namespace tixsync::persistence::detail {

/// Per-item result codes of the scripts (see scripts/prelude.lua).
enum script_code : std::int64_t {
  code_ok = 0,
  code_stale = 1,
  code_not_found = 2,
  code_in_flight = 3,
  code_replaced = 4,
  code_skipped = 5,
  code_parked_timeout = 6,
};

status check_time(std::int64_t now_ms);
status check_enqueue(const key_space& keys, const enqueue_request& request);
status check_text(const char* what, const std::string& text, std::size_t max_length);
/// A status for a per-item code (ok, stale_lease, not_found, in_flight).
status code_status(std::int64_t code, const std::string& what);

inline const std::string& provider_of(const item_ref& r) {
  return r.provider;
}
inline const std::string& provider_of(const enqueue_request& r) {
  return r.ref.provider;
}
inline const std::string& provider_of(const lease& l) {
  return l.ref.provider;
}
inline const std::string& provider_of(const completion& c) {
  return c.held.ref.provider;
}

/// Indexes of `items` grouped by provider (first-seen order), each group cut into chunks.
template <class T>
std::vector<std::vector<std::size_t>> group_by_provider(const std::vector<T>& items,
                                                        std::size_t chunk) {
  std::map<std::string, std::size_t> open;  // provider -> index of its last, open group
  std::vector<std::vector<std::size_t>> groups;
  for (std::size_t i = 0; i < items.size(); ++i) {
    auto it = open.find(provider_of(items[i]));
    if (it == open.end() || groups[it->second].size() >= chunk) {
      groups.emplace_back();
      open[provider_of(items[i])] = groups.size() - 1;
      it = open.find(provider_of(items[i]));
    }
    groups[it->second].push_back(i);
  }
  return groups;
}

inline const item_ref& ref_of(const item_ref& r) {
  return r;
}
inline const item_ref& ref_of(const lease& l) {
  return l.ref;
}
inline const item_ref& ref_of(const completion& c) {
  return c.held.ref;
}

/// Spreads per-item codes of grouped script replies back to one status per input item.
template <class T>
status_or<std::vector<status>> per_item_statuses(
    const std::vector<redis_value>& replies, const std::vector<std::vector<std::size_t>>& groups,
    const std::vector<T>& items, const char* what) {
  std::vector<status> out(items.size());
  for (std::size_t g = 0; g < groups.size(); ++g) {
    const auto& codes = replies[g];
    if (!codes.is_array() || codes.elements.size() != groups[g].size()) {
      return status(persistence_errc::protocol_error, std::string(what) + ": unexpected reply");
    }
    for (std::size_t k = 0; k < groups[g].size(); ++k) {
      const auto& ref = ref_of(items[groups[g][k]]);
      out[groups[g][k]] = code_status(codes.elements[k].integer,
                                      std::string(what) + " " + ref.provider + "/" + ref.id());
    }
  }
  return out;
}

}  // namespace tixsync::persistence::detail
