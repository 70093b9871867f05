// Placeholder values of an object request.
#include "providers/rest/object_placeholders.hpp"

#include "mapping/assign_properties.hpp"
#include "providers/rest/associations.hpp"

namespace tixsync::providers::rest {

placeholder_values placeholders_for(const object_request& request, const std::string& base_url) {
  placeholder_values values;
  values.id_value = mapping::python_str(request.id_value());
  values.id_field = request.external_id_field();
  values.object_type = request.object.external_object_type;
  values.mapping_id = std::to_string(request.object.mapping_id);
  if (request.object.position_id) values.position_id = std::to_string(*request.object.position_id);
  if (request.order) {
    values.order_code = request.order->code;
    values.event = request.order->event;
  }
  if (request.event) {
    if (!request.event->slug.empty()) values.event = request.event->slug;
    values.organizer = request.event->organizer;
  }
  values.base_url = base_url;
  return values;
}

json object_placeholder_json(placeholder name, const object_request& request,
                             const placeholder_values& values,
                             const std::vector<std::string>& property_names, const json& record,
                             const object_settings& object) {
  switch (name) {
    case placeholder::id_value:
      return request.id_value();
    case placeholder::properties:
      return record;
    case placeholder::associations:
      return association_items(object, request.mapped_objects, [&](placeholder p) {
        return object_placeholder_json(p, request, values, property_names, record, object);
      });
    case placeholder::property_names:
      return property_names;
    case placeholder::position_id:
      if (request.object.position_id) return *request.object.position_id;
      return nullptr;
    case placeholder::mapping_id:
      return request.object.mapping_id;
    default:
      return values.get(name);
  }
}

std::optional<std::string> external_id_text(const json& value) {
  if (value.is_string() && !value.get<std::string>().empty()) return value.get<std::string>();
  if (value.is_number_integer()) return value.dump();
  return std::nullopt;
}

}  // namespace tixsync::providers::rest
