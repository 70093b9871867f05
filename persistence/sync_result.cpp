// Encoding of sync results to the JSON stored in an order's results hash.
#include "persistence/sync_result.hpp"

namespace tixsync::persistence {

using json = nlohmann::json;

std::string result_field(std::int64_t mapping_id, std::optional<std::int64_t> position_id) {
  return std::to_string(mapping_id) + ":" +
         (position_id ? std::to_string(*position_id) : std::string("order"));
}

std::string encode_result(const sync_result& r) {
  // Never throws on bad UTF-8 in provider data: invalid bytes are replaced.
  return mapping::to_json(r).dump(-1, ' ', false, json::error_handler_t::replace);
}

status_or<sync_result> decode_result(std::string_view field, std::string_view text) {
  json j = json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return {persistence_errc::invalid_argument,
            "sync result " + std::string(field) + " is not a JSON object"};
  }
  try {
    return mapping::sync_result_from_json(j);
  } catch (const std::exception& e) {
    return {persistence_errc::invalid_argument,
            "sync result " + std::string(field) + ": " + e.what()};
  }
}

}  // namespace tixsync::persistence
