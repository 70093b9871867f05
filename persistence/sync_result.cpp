// Encoding of sync results to the JSON stored in an order's results hash, and fingerprints.
#include "persistence/sync_result.hpp"

#include <cstdio>

namespace tixsync::persistence {

using json = nlohmann::json;

bool operator==(const sync_result& a, const sync_result& b) {
  return a.mapping_id == b.mapping_id && a.position_id == b.position_id &&
         a.object_type == b.object_type && a.id_field == b.id_field && a.id_value == b.id_value &&
         a.link_href == b.link_href && a.link_display_name == b.link_display_name &&
         a.info == b.info && a.transmitted_ms == b.transmitted_ms && a.fingerprint == b.fingerprint;
}

std::string result_field(std::int64_t mapping_id, std::optional<std::int64_t> position_id) {
  return std::to_string(mapping_id) + ":" +
         (position_id ? std::to_string(*position_id) : std::string("order"));
}

std::string encode_result(const sync_result& r) {
  json j = {{"mapping", r.mapping_id},
            {"position", r.position_id ? json(*r.position_id) : json(nullptr)},
            {"object_type", r.object_type},
            {"id_field", r.id_field},
            {"id_value", r.id_value},
            {"link_href", r.link_href},
            {"link_name", r.link_display_name},
            {"info", r.info},
            {"transmitted", r.transmitted_ms},
            {"fingerprint", r.fingerprint}};
  return j.dump();
}

status_or<sync_result> decode_result(std::string_view field, std::string_view text) {
  json j = json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return {persistence_errc::invalid_argument,
            "sync result " + std::string(field) + " is not a JSON object"};
  }
  try {
    sync_result r;
    r.mapping_id = j.at("mapping").get<std::int64_t>();
    if (j.contains("position") && !j["position"].is_null()) r.position_id = j["position"];
    r.object_type = j.value("object_type", "");
    r.id_field = j.value("id_field", "");
    r.id_value = j.value("id_value", "");
    r.link_href = j.value("link_href", "");
    r.link_display_name = j.value("link_name", "");
    r.info = j.value("info", json::object());
    r.transmitted_ms = j.value("transmitted", std::int64_t{0});
    r.fingerprint = j.value("fingerprint", "");
    return r;
  } catch (const json::exception& e) {
    return {persistence_errc::invalid_argument,
            "sync result " + std::string(field) + ": " + e.what()};
  }
}

std::string properties_fingerprint(std::string_view canonical_properties) {
  std::uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : canonical_properties) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  char buffer[17];
  std::snprintf(buffer, sizeof buffer, "%016llx", static_cast<unsigned long long>(hash));
  return buffer;
}

}  // namespace tixsync::persistence
