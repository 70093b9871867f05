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

}  // namespace

json association_value(const association_setting& association, const mapped_objects& mapped,
                       const std::optional<std::string>& joiner) {
  const auto results = mapped.find(association.mapping_id);
  if (results == mapped.end()) {
    throw sync_config_error("Association \"" + association.field + "\": mapping " +
                            std::to_string(association.mapping_id) +
                            " has not run before this object");
  }
  std::vector<std::string> values;
  for (const auto& result : results->second) {
    if (result) values.push_back(value_of(association, *result));
  }
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
    out.push_back({association.field, association_value(association, mapped, joiner),
                   mapping::mode_overwrite});
  }
  return out;
}

}  // namespace tixsync::providers::rest
