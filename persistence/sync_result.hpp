// How a sync result (mapping/sync_result.hpp, pretix's OrderSyncResult) is kept in an order's
// results hash: the hash field that identifies it and the stored JSON.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "mapping/sync_result.hpp"
#include "persistence/errors.hpp"

namespace tixsync::persistence {

using mapping::sync_result;

/// The results-hash field of a result: "<mapping id>:<position id>" or "<mapping id>:order".
std::string result_field(std::int64_t mapping_id, std::optional<std::int64_t> position_id);
/// The stored JSON of a result (every field, readable names; see mapping::to_json).
std::string encode_result(const sync_result& r);
/// Parses a stored result back; invalid_argument on malformed data.
status_or<sync_result> decode_result(std::string_view field, std::string_view json);

}  // namespace tixsync::persistence
