// The merge step of the REST provider (see object_merge.hpp).
#include "providers/rest/object_merge.hpp"

#include <algorithm>
#include <vector>

#include "mapping/assign_properties.hpp"
#include "providers/rest/associations.hpp"

namespace tixsync::providers::rest {

json merged_record(const object_request& request, const object_settings& object,
                   const std::optional<json>& existing, const std::optional<std::string>& joiner) {
  // The request's properties are copied only when associations are added to them.
  auto associations = association_properties(object, request.mapped_objects, joiner);
  std::vector<mapping::property_value> combined;
  if (!associations.empty()) {
    combined = request.properties();
    for (auto& association : associations) combined.push_back(std::move(association));
  }
  const auto& properties = associations.empty() ? request.properties() : combined;
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
  // A handful of names: a look through the list beats a set's allocations.
  auto add = [&](const std::string& name) {
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  };
  for (const auto& property : request.properties()) add(property.external_field);
  for (const auto& association : object.associations) {
    if (!association.into_items) add(association.field);
  }
  add(request.external_id_field());
  return names;
}

}  // namespace tixsync::providers::rest
