// A sync result (pretix OrderSyncResult): what one mapping created or updated externally for an
// order or one position, with a fingerprint of the properties sent for change detection.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "persistence/errors.hpp"

namespace tixsync::persistence {

struct sync_result {
  std::int64_t mapping_id = 0;
  std::optional<std::int64_t> position_id;  ///< unset for Order mappings
  std::string object_type;                  ///< external object type (from the mapping)
  std::string id_field;                     ///< external id field (from the mapping)
  std::string id_value;                     ///< the pretix id value
  std::string link_href;
  std::string link_display_name;
  nlohmann::json info = nlohmann::json::object();  ///< the provider's extra info (sync_info)
  std::int64_t transmitted_ms = 0;
  std::string fingerprint;  ///< of the properties sent; empty when not computed

  friend bool operator==(const sync_result& a, const sync_result& b);
};

/// The results-hash field of a result: "<mapping id>:<position id>" or "<mapping id>:order".
std::string result_field(std::int64_t mapping_id, std::optional<std::int64_t> position_id);
/// The stored JSON of a result (readable field names).
std::string encode_result(const sync_result& r);
/// Parses a stored result back; invalid_argument on malformed data.
status_or<sync_result> decode_result(std::string_view field, std::string_view json);
/// Fingerprint of the properties sent (pass a canonical serialisation, e.g. JSON dump): 16 hex
/// digits of 64-bit FNV-1a. Equal properties give equal fingerprints across nodes and versions.
std::string properties_fingerprint(std::string_view canonical_properties);

}  // namespace tixsync::persistence
