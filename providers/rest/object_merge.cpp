// The merge step of the REST provider (see object_merge.hpp).
#include "providers/rest/object_merge.hpp"

#include <set>
#include <vector>

#include "mapping/assign_properties.hpp"
#include "providers/rest/associations.hpp"

namespace tixsync::providers::rest {

json merged_record(const object_request& request, const object_settings& object,
                   const std::optional<json>& existing, const std::optional<std::string>& joiner) {
  auto properties = request.properties();
  for (auto& association : association_properties(object, request.mapped_objects, joiner)) {
    properties.push_back(std::move(association));
  }
  json record =
      mapping::assign_properties(properties, existing.value_or(json::object()), !existing, joiner);
  record[request.external_id_field()] = request.id_value();
  return record;
}

bool changes_nothing(const json& record, const json& existing) {
  for (const auto& [key, value] : record.items()) {
    const auto it = existing.find(key);
    if (it == existing.end() || *it != value) return false;
  }
  return true;
}

std::vector<std::string> property_names(const object_request& request,
                                        const object_settings& object) {
  std::vector<std::string> names;
  std::set<std::string> seen;
  auto add = [&](const std::string& name) {
    if (seen.insert(name).second) names.push_back(name);
  };
  for (const auto& property : request.properties()) add(property.external_field);
  for (const auto& association : object.associations) {
    if (!association.into_items) add(association.field);
  }
  add(request.external_id_field());
  return names;
}

}  // namespace tixsync::providers::rest
