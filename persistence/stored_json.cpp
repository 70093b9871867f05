// Direct JSON writing for sync results and success-log objects. Keys are written in the order
// nlohmann::json's object (a std::map) dumps them, so the text matches the old dumps byte for
// byte; strings that need more than the common escapes go through nlohmann itself.
#include "persistence/stored_json.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <utility>
#include <vector>

#include "mapping/json_text.hpp"
#include "persistence/queue_codec.hpp"

namespace tixsync::persistence {
namespace {

using json = nlohmann::json;

void append_key(std::string& out, std::string_view key) {
  out += '"';
  out.append(key.data(), key.size());
  out += "\":";
}

void append_optional(std::string& out, const std::optional<std::string>& value) {
  if (value)
    append_json_string(out, *value);
  else
    out += "null";
}

void append_position(std::string& out, const std::optional<std::int64_t>& position) {
  if (position)
    out += std::to_string(*position);
  else
    out += "null";
}

/// One field of pretix's result dict (to_result_dict), before sync_info is merged in.
struct dict_field {
  const char* key;
  void (*write)(std::string&, const sync_result&);
};

// Sorted by key, as the dumped std::map orders them.
const dict_field dict_fields[] = {
    {"external_id_field",
     [](std::string& o, const sync_result& r) { append_json_string(o, r.external_id_field); }},
    {"external_link_display_name",
     [](std::string& o, const sync_result& r) {
       append_optional(o, r.external_link_display_name);
     }},
    {"external_link_href",
     [](std::string& o, const sync_result& r) { append_optional(o, r.external_link_href); }},
    {"id_value", [](std::string& o, const sync_result& r) { append_json_string(o, r.id_value); }},
    {"object_type",
     [](std::string& o, const sync_result& r) { append_json_string(o, r.external_object_type); }},
    {"position", [](std::string& o, const sync_result& r) { append_position(o, r.position_id); }},
};

/// to_result_dict(result) as text: the fixed fields merged with sync_info (whose keys win).
void append_result_dict(std::string& out, const sync_result& r) {
  out += '{';
  bool first = true;
  auto comma = [&] {
    if (!first) out += ',';
    first = false;
  };
  static const json no_info = json::object();
  const json& extra = r.sync_info.is_object() ? r.sync_info : no_info;
  auto info = extra.cbegin();
  for (const auto& f : dict_fields) {
    for (; info != extra.cend() && info.key() < f.key; ++info) {
      comma();
      append_json_string(out, info.key());
      out += ':';
      mapping::append_json(out, info.value());
    }
    if (info != extra.cend() && info.key() == f.key) continue;  // sync_info wins
    comma();
    append_key(out, f.key);
    f.write(out, r);
  }
  for (; info != extra.cend(); ++info) {
    comma();
    append_json_string(out, info.key());
    out += ':';
    mapping::append_json(out, info.value());
  }
  out += '}';
}

}  // namespace

stored_result store_form(const sync_result& r) {
  stored_result s;
  s.field = result_field(r.mapping_id, r.position_id);
  std::string& o = s.json;
  o.reserve(320 + r.fingerprint.size() + r.id_value.size() + r.provider.size() +
            r.external_object_type.size() + r.external_id_field.size());
  // The keys of mapping::to_json, in the order its std::map dumps them; each literal carries
  // the separator before the key.
  o += "{\"external_id_field\":";
  append_json_string(o, r.external_id_field);
  o += ",\"external_link_display_name\":";
  append_optional(o, r.external_link_display_name);
  o += ",\"external_link_href\":";
  append_optional(o, r.external_link_href);
  o += ",\"external_object_type\":";
  append_json_string(o, r.external_object_type);
  o += ",\"fingerprint\":";
  append_json_string(o, r.fingerprint);
  o += ",\"id_value\":";
  append_json_string(o, r.id_value);
  o += ",\"mapping_id\":";
  o += std::to_string(r.mapping_id);
  o += ",\"order_code\":";
  append_json_string(o, r.order_code);
  o += ",\"position_id\":";
  append_position(o, r.position_id);
  o += ",\"provider\":";
  append_json_string(o, r.provider);
  o += ",\"sync_info\":";
  mapping::append_json(o, r.sync_info);
  o += ",\"transmitted_ms\":";
  o += std::to_string(r.transmitted_ms);
  o += '}';
  return s;
}

std::string log_objects_json(const mapping::mapped_objects& mapped) {
  // The object's keys are the mapping ids as text, so "10" sorts before "2".
  std::vector<std::pair<std::string, const std::vector<std::optional<sync_result>>*>> lists;
  lists.reserve(mapped.size());
  for (const auto& [id, results] : mapped) lists.emplace_back(std::to_string(id), &results);
  std::sort(lists.begin(), lists.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string out;
  std::size_t objects = 0;
  for (const auto& list : lists) objects += list.second->size();
  out.reserve(16 + 320 * objects);
  out += '{';
  for (std::size_t i = 0; i < lists.size(); ++i) {
    if (i > 0) out += ',';
    append_json_string(out, lists[i].first);
    out += ":[";
    const auto& results = *lists[i].second;
    for (std::size_t k = 0; k < results.size(); ++k) {
      if (k > 0) out += ',';
      if (results[k])
        append_result_dict(out, *results[k]);
      else
        out += "null";
    }
    out += ']';
  }
  out += '}';
  return out;
}

}  // namespace tixsync::persistence
