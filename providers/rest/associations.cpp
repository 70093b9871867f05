// Association values from the mapped objects of a run.
#include "providers/rest/associations.hpp"

namespace tixsync::providers::rest {
namespace {

/// The external id or link of one result; throws sync_config_error when it has none.
std::string value_of(const association_setting& association, const sync_result& result) {
  if (association.use_link) {
    if (result.external_link_href && !result.external_link_href->empty()) {
      return *result.external_link_href;
    }
  } else {
    const auto it = result.sync_info.find("external_id");
    if (it != result.sync_info.end() && it->is_string() && !it->get<std::string>().empty()) {
      return it->get<std::string>();
    }
  }
  throw sync_config_error("Association \"" + association.field + "\": the result of mapping " +
                          std::to_string(association.mapping_id) + " for " +
                          result.external_object_type + " " + result.id_value + " has no " +
                          (association.use_link ? "link" : "external id"));
}

/// The value and external object type of every non-null result of the association's mapping,
/// in order. Throws sync_config_error when that mapping has no results (it did not run before).
std::vector<std::pair<std::string, std::string>> associated_objects(
    const association_setting& association, const mapped_objects& mapped) {
  const auto results = mapped.find(association.mapping_id);
  if (results == mapped.end()) {
    throw sync_config_error("Association \"" + association.field + "\": mapping " +
                            std::to_string(association.mapping_id) +
                            " has not run before this object");
  }
  std::vector<std::pair<std::string, std::string>> objects;
  for (const auto& result : results->second) {
    if (result) objects.emplace_back(value_of(association, *result), result->external_object_type);
  }
  return objects;
}

}  // namespace

json association_value(const association_setting& association, const mapped_objects& mapped,
                       const std::optional<std::string>& joiner) {
  std::vector<std::string> values;
  for (auto& [value, type] : associated_objects(association, mapped)) values.push_back(value);
  if (!joiner) return json(values);
  std::string joined;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) joined += *joiner;
    joined += values[i];
  }
  return joined;
}

std::vector<mapping::property_value> association_properties(
    const object_settings& object, const mapped_objects& mapped,
    const std::optional<std::string>& joiner) {
  std::vector<mapping::property_value> out;
  for (const auto& association : object.associations) {
    if (association.into_items) continue;
    out.push_back({association.field, association_value(association, mapped, joiner),
                   mapping::mode_overwrite});
  }
  return out;
}

json association_items(const object_settings& object, const mapped_objects& mapped,
                       const json_template::value_source& values) {
  json items = json::array();
  for (const auto& association : object.associations) {
    if (!association.into_items) continue;
    for (const auto& [id, type] : associated_objects(association, mapped)) {
      items.push_back(object.association_item.expand([&](placeholder name) -> json {
        switch (name) {
          case placeholder::association_id:
            return id;
          case placeholder::association_type:
            return type;
          case placeholder::association_type_id:
            return association.type_id ? json(*association.type_id) : json(nullptr);
          default:
            return values(name);
        }
      }));
    }
  }
  return items;
}

}  // namespace tixsync::providers::rest
