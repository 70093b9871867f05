// The stored result of one synced object (pretix's OrderSyncResult), the mapped objects of a run
// ({mapping id: [result or null]}), pretix's filter_mapped_objects, and the JSON forms the
// audit log and the store use.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace tixsync::mapping {

using json = nlohmann::json;

/// The result of one object's last successful sync. Unique per (order, position, provider,
/// mapping id); a later sync of the same object replaces it.
struct sync_result {
  std::string provider;  ///< provider identifier
  std::int64_t mapping_id = 0;
  std::string order_code;
  std::optional<std::int64_t> position_id;  ///< set for OrderPosition mappings
  std::string external_object_type;         ///< from the mapping
  std::string external_id_field;            ///< from the mapping
  std::string id_value;                     ///< the pretix id value as text (at most 128 chars)
  std::optional<std::string> external_link_href;
  std::optional<std::string> external_link_display_name;
  /// The provider's extra data (an object), incl. an optional informative "action".
  json sync_info = json::object();
  std::int64_t transmitted_ms = 0;  ///< when it was stored, unix milliseconds
  /// Change-detection fingerprint of the object that was sent (fingerprint.hpp); may be empty.
  std::string fingerprint;

  /// sync_info["action"] when it is a string, else "".
  std::string action() const;
  /// Whether the provider reported that nothing had to be done.
  bool nothing_to_do() const { return action() == "nothing_to_do"; }
};

bool operator==(const sync_result& a, const sync_result& b);
inline bool operator!=(const sync_result& a, const sync_result& b) {
  return !(a == b);
}

/// Results of the mappings already finished in one run, by mapping id: one entry for an Order
/// mapping, one per position (in position order) for an OrderPosition mapping; nullopt where an
/// object was skipped or the provider returned nothing.
using mapped_objects = std::map<std::int64_t, std::vector<std::optional<sync_result>>>;

/// pretix's filter_mapped_objects: for a position, keeps per mapping only the non-null results
/// that are order-level or belong to that position; for an order (nullopt) returns everything
/// unchanged, nulls included.
mapped_objects filter_mapped_objects(const mapped_objects& mapped,
                                     std::optional<std::int64_t> position_id);

/// Whether a run's results make pretix skip the success log entry: every result is null or
/// reports "nothing_to_do" (true for an empty map).
bool nothing_done(const mapped_objects& mapped);

/// pretix's result dict for the order log: {position, object_type, external_id_field, id_value,
/// external_link_href, external_link_display_name} merged with sync_info (sync_info keys win).
json to_result_dict(const sync_result& result);

/// The success log's "objects": {"<mapping id>": [result dict or null, ...]}.
json to_log_objects(const mapped_objects& mapped);

/// Every field, for storing a result: {provider, mapping_id, order_code, position_id, ...}.
json to_json(const sync_result& result);
/// The inverse of to_json; throws std::invalid_argument on a malformed document.
sync_result sync_result_from_json(const json& document);

/// The pretix id value as stored text: Python's str() of the value, cut to 128 characters
/// (code points; pretix's column holds 128).
std::string id_value_text(const json& id_value);

}  // namespace tixsync::mapping
