// sync_result helpers: pretix's filter_mapped_objects, the order-log forms of results and the
// JSON form for storing a result.
#include "mapping/sync_result.hpp"

#include <stdexcept>

#include "mapping/assign_properties.hpp"

namespace tixsync::mapping {
namespace {

json optional_json(const std::optional<std::string>& value) {
  return value ? json(*value) : json(nullptr);
}

std::optional<std::string> optional_string(const json& value) {
  if (value.is_null()) return std::nullopt;
  return value.get<std::string>();
}

/// Length in bytes of the first `limit` UTF-8 code points of `text` (continuation bytes are
/// 10xxxxxx).
std::size_t utf8_prefix_bytes(const std::string& text, std::size_t limit) {
  std::size_t count = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if ((byte & 0xC0) != 0x80) {
      if (count == limit) return i;
      ++count;
    }
  }
  return text.size();
}

}  // namespace

std::string sync_result::action() const {
  auto it = sync_info.is_object() ? sync_info.find("action") : sync_info.end();
  if (it == sync_info.end() || !it->is_string()) return "";
  return it->get<std::string>();
}

bool operator==(const sync_result& a, const sync_result& b) {
  return a.provider == b.provider && a.mapping_id == b.mapping_id && a.order_code == b.order_code &&
         a.position_id == b.position_id && a.external_object_type == b.external_object_type &&
         a.external_id_field == b.external_id_field && a.id_value == b.id_value &&
         a.external_link_href == b.external_link_href &&
         a.external_link_display_name == b.external_link_display_name &&
         a.sync_info == b.sync_info && a.transmitted_ms == b.transmitted_ms &&
         a.fingerprint == b.fingerprint;
}

mapped_objects filter_mapped_objects(const mapped_objects& mapped,
                                     std::optional<std::int64_t> position_id) {
  if (!position_id) return mapped;
  mapped_objects filtered;
  for (const auto& [mapping_id, results] : mapped) {
    auto& kept = filtered[mapping_id];  // a mapping with nothing left keeps an empty list
    for (const auto& result : results) {
      if (result && (!result->position_id || result->position_id == position_id)) {
        kept.push_back(result);
      }
    }
  }
  return filtered;
}

bool nothing_done(const mapped_objects& mapped) {
  for (const auto& [mapping_id, results] : mapped) {
    for (const auto& result : results) {
      if (result && !result->nothing_to_do()) return false;
    }
  }
  return true;
}

json to_result_dict(const sync_result& result) {
  json dict = {{"position", result.position_id ? json(*result.position_id) : json(nullptr)},
               {"object_type", result.external_object_type},
               {"external_id_field", result.external_id_field},
               {"id_value", result.id_value},
               {"external_link_href", optional_json(result.external_link_href)},
               {"external_link_display_name", optional_json(result.external_link_display_name)}};
  if (result.sync_info.is_object()) {
    for (const auto& [key, value] : result.sync_info.items()) dict[key] = value;
  }
  return dict;
}

json to_log_objects(const mapped_objects& mapped) {
  json objects = json::object();
  for (const auto& [mapping_id, results] : mapped) {
    json list = json::array();
    for (const auto& result : results) {
      list.push_back(result ? to_result_dict(*result) : json(nullptr));
    }
    objects[std::to_string(mapping_id)] = std::move(list);
  }
  return objects;
}

json to_json(const sync_result& result) {
  return {{"provider", result.provider},
          {"mapping_id", result.mapping_id},
          {"order_code", result.order_code},
          {"position_id", result.position_id ? json(*result.position_id) : json(nullptr)},
          {"external_object_type", result.external_object_type},
          {"external_id_field", result.external_id_field},
          {"id_value", result.id_value},
          {"external_link_href", optional_json(result.external_link_href)},
          {"external_link_display_name", optional_json(result.external_link_display_name)},
          {"sync_info", result.sync_info},
          {"transmitted_ms", result.transmitted_ms},
          {"fingerprint", result.fingerprint}};
}

sync_result sync_result_from_json(const json& document) {
  try {
    sync_result result;
    result.provider = document.at("provider").get<std::string>();
    result.mapping_id = document.at("mapping_id").get<std::int64_t>();
    result.order_code = document.at("order_code").get<std::string>();
    const json& position = document.at("position_id");
    if (!position.is_null()) result.position_id = position.get<std::int64_t>();
    result.external_object_type = document.at("external_object_type").get<std::string>();
    result.external_id_field = document.at("external_id_field").get<std::string>();
    result.id_value = document.at("id_value").get<std::string>();
    result.external_link_href = optional_string(document.at("external_link_href"));
    result.external_link_display_name = optional_string(document.at("external_link_display_name"));
    result.sync_info = document.at("sync_info");
    result.transmitted_ms = document.at("transmitted_ms").get<std::int64_t>();
    result.fingerprint = document.value("fingerprint", "");
    return result;
  } catch (const json::exception& e) {
    throw std::invalid_argument(std::string("malformed sync result: ") + e.what());
  }
}

std::string id_value_text(const json& id_value) {
  std::string text = mapping::python_str(id_value);
  text.resize(utf8_prefix_bytes(text, 128));
  return text;
}

}  // namespace tixsync::mapping
