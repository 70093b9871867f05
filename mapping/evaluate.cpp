// Evaluates orders against mappings as pretix's sync_order/sync_object/get_field_value do: the
// objects per mapping, their property values (value maps on list values, lists joined) and id
// values. Fields are resolved once per mapping, not per object, because this runs per order.
#include "mapping/evaluate.hpp"

namespace tixsync::mapping {
namespace {

/// The inputs a mapping gives its getters, named as in pretix's messages.
std::string available_inputs(const field_inputs& inputs) {
  std::string names;
  auto add = [&](bool present, field_input input) {
    if (present) names += (names.empty() ? "" : ", ") + std::string(to_string(input));
  };
  add(inputs.order != nullptr, field_input::order);
  add(inputs.event != nullptr, field_input::event);
  add(inputs.position != nullptr, field_input::event_or_subevent);
  add(inputs.position != nullptr, field_input::position);
  return names;
}

/// Whether the input a field needs is there. event_or_subevent exists only for positions, as in
/// pretix, where an Order mapping has just {order, event}.
bool has_input(const source_field& field, const field_inputs& inputs) {
  switch (field.input) {
    case field_input::order:
      return inputs.order != nullptr;
    case field_input::event:
      return inputs.event != nullptr;
    case field_input::event_or_subevent:
      return inputs.event != nullptr && inputs.position != nullptr;
    case field_input::position:
      return inputs.position != nullptr;
  }
  return false;
}

[[noreturn]] void throw_unknown_field(const std::string& key) {
  throw sync_config_error("Field \"" + key +
                          "\" does not exist. Please check your mapping settings.");
}

void check_input(const source_field& field, const field_inputs& inputs) {
  if (!has_input(field, inputs)) {
    throw sync_config_error("Field \"" + field.key + "\" requires " + to_string(field.input) +
                            ", but only got " + available_inputs(inputs) +
                            ". Please check your mapping settings.");
  }
  // pretix reads the sub-event from the database; here it must be in the event bundle.
  if (field.input == field_input::event_or_subevent && inputs.position->subevent &&
      !inputs.subevent) {
    throw field_internal_error(
        "position " + std::to_string(inputs.position->id) + " belongs to sub-event " +
        std::to_string(*inputs.position->subevent) + ", which the event data does not list");
  }
}

/// The value-map entry of one list element; a missing entry is a config error that shows the
/// unmapped list, as pretix's message does.
const json& mapped_element(const json& element, const json& list, const source_field& field,
                           const json& value_map) {
  auto it =
      element.is_string() ? value_map.find(element.get_ref<const std::string&>()) : value_map.end();
  if (it == value_map.end()) {
    throw sync_config_error("Please update value mapping for field \"" + field.key +
                            "\" - option \"" + python_repr(list) + "\" not assigned");
  }
  return *it;
}

/// Python's type name of a JSON value, for join's TypeError message.
const char* python_type_name(const json& value) {
  switch (value.type()) {
    case json::value_t::null:
      return "NoneType";
    case json::value_t::boolean:
      return "bool";
    case json::value_t::number_float:
      return "float";
    case json::value_t::array:
      return "list";
    case json::value_t::object:
      return "dict";
    case json::value_t::string:
      return "str";
    default:
      return "int";
  }
}

/// pretix's list handling: every element through the value map (when `map` is set), then
/// Python's joiner.join (when `joiner` is set; non-strings fail with a TypeError, an internal
/// error). Both steps are done in one pass without an intermediate list.
json process_list(json&& list, const source_field& field, const json* map,
                  const std::string* joiner) {
  if (!joiner) {
    if (!map) return std::move(list);
    json mapped = json::array();
    mapped.get_ref<json::array_t&>().reserve(list.size());
    for (const auto& element : list) mapped.push_back(mapped_element(element, list, field, *map));
    return mapped;
  }
  if (list.size() == 1) {
    // The common single value (a status, a single-choice answer) is its own join: taken as a
    // whole instead of being rebuilt.
    const json& element = map ? mapped_element(list[0], list, field, *map) : list[0];
    if (element.is_string()) {
      json joined = map ? json(element) : std::move(list[0]);
      // nlohmann's destructor first moves the elements of a non-empty array to a heap-allocated
      // stack; an emptied list is freed without that allocation.
      list.get_ref<json::array_t&>().clear();
      return joined;
    }
  }
  std::string joined;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const json& element = map ? mapped_element(list[i], list, field, *map) : list[i];
    if (!element.is_string()) {
      throw field_internal_error("sequence item " + std::to_string(i) +
                                 ": expected str instance, " + python_type_name(element) +
                                 " found");
    }
    if (i > 0) joined += *joiner;
    joined += element.get_ref<const std::string&>();
  }
  return json(std::move(joined));
}

/// get_field_value for a resolved field: getter, then for lists value map and joiner.
json compute_value(const source_field& field, const field_inputs& inputs, const json& value_map,
                   const evaluation_options& options) {
  check_input(field, inputs);
  json value = field.get(inputs);
  if (!value.is_array()) return value;
  // pretix tests the map for truthiness as a string: "" means none, while "{}" is a map (that
  // fails for every value). A JSON object, even an empty one, therefore counts as a map.
  const bool use_map = !field.options.empty() && value_map.is_object();
  // pretix joins only with a truthy joiner, so "" keeps native lists like None does.
  const bool join = options.list_joiner && !options.list_joiner->empty();
  return process_list(std::move(value), field, use_map ? &value_map : nullptr,
                      join ? &*options.list_joiner : nullptr);
}

/// A mapping with its fields looked up once; a field may be nullptr (unknown), which throws only
/// when it is evaluated, as pretix does (a position mapping of an order without positions never
/// evaluates its fields).
struct resolved_mapping {
  const mapping_definition& mapping;
  std::vector<const source_field*> property_fields;
  const source_field* id_field = nullptr;

  resolved_mapping(const mapping_definition& m, const field_catalogue& catalogue) : mapping(m) {
    property_fields.reserve(m.property_mappings.size());
    for (const auto& property : m.property_mappings) {
      property_fields.push_back(catalogue.find(property.pretix_field));
    }
    id_field = catalogue.find(m.pretix_id_field);
  }
};

/// sync_object up to the provider call: all properties first, then the id value.
evaluated_object evaluate_object(const resolved_mapping& resolved, const field_inputs& inputs,
                                 const evaluation_options& options) {
  const mapping_definition& mapping = resolved.mapping;
  evaluated_object object;
  object.mapping_id = mapping.id;
  object.pretix_model = mapping.pretix_model;
  if (inputs.position) object.position_id = inputs.position->id;
  object.external_object_type = mapping.external_object_type;
  object.external_id_field = mapping.external_id_field;
  object.properties.reserve(mapping.property_mappings.size());
  for (std::size_t i = 0; i < mapping.property_mappings.size(); ++i) {
    const property_mapping& property = mapping.property_mappings[i];
    const source_field* field = resolved.property_fields[i];
    if (!field) throw_unknown_field(property.pretix_field);
    object.properties.push_back({property.external_field,
                                 compute_value(*field, inputs, property.value_map, options),
                                 property.overwrite});
  }
  if (!resolved.id_field) throw_unknown_field(mapping.pretix_id_field);
  // pretix computes the id without a value map, but joins a list id like any list.
  object.id_value = compute_value(*resolved.id_field, inputs, json(), options);
  return object;
}

/// sync_order's loop for one mapping: the objects of the mapping appended to `out`.
void append_objects(const mapping_definition& mapping, const order& order,
                    const event_bundle& event, const field_catalogue& catalogue,
                    const evaluation_context& context, const evaluation_options& options,
                    std::vector<evaluated_object>& out) {
  field_inputs inputs;
  inputs.order = &order;
  inputs.event = &event;
  inputs.context = &context;
  if (mapping.pretix_model == "Order") {
    const resolved_mapping resolved(mapping, catalogue);
    out.push_back(evaluate_object(resolved, inputs, options));
  } else if (mapping.pretix_model == "OrderPosition") {
    const resolved_mapping resolved(mapping, catalogue);
    out.reserve(out.size() + order.positions.size());
    // Every position: cancelled ones and add-ons of any product included (quirk 14).
    for (const position& position : order.positions) {
      inputs.position = &position;
      inputs.subevent = position.subevent ? event.find_subevent(*position.subevent) : nullptr;
      out.push_back(evaluate_object(resolved, inputs, options));
    }
  } else {
    throw sync_config_error("Invalid pretix model '" + mapping.pretix_model + "'");
  }
}

}  // namespace

json field_value(const field_catalogue& catalogue, const std::string& key,
                 const field_inputs& inputs, const json& value_map,
                 const evaluation_options& options) {
  const source_field* field = catalogue.find(key);
  if (!field) throw_unknown_field(key);
  return compute_value(*field, inputs, value_map, options);
}

std::vector<evaluated_object> evaluate_mapping(const mapping_definition& mapping,
                                               const order& order, const event_bundle& event,
                                               const field_catalogue& catalogue,
                                               const evaluation_context& context,
                                               const evaluation_options& options) {
  std::vector<evaluated_object> objects;
  append_objects(mapping, order, event, catalogue, context, options, objects);
  return objects;
}

std::vector<evaluated_object> evaluate_order(const std::vector<mapping_definition>& mappings,
                                             const order& order, const event_bundle& event,
                                             const field_catalogue& catalogue,
                                             const evaluation_context& context,
                                             const evaluation_options& options) {
  std::vector<evaluated_object> objects;
  std::size_t expected = 0;
  for (const auto& mapping : mappings) {
    expected += mapping.is_position_mapping() ? order.positions.size() : 1;
  }
  objects.reserve(expected);
  for (const auto& mapping : mappings) {
    append_objects(mapping, order, event, catalogue, context, options, objects);
  }
  return objects;
}

json to_json(const evaluated_object& object) {
  json properties = json::array();
  for (const auto& property : object.properties) {
    properties.push_back({{"external_field", property.external_field},
                          {"value", property.value},
                          {"mode", property.mode}});
  }
  return {{"mapping_id", object.mapping_id},
          {"pretix_model", object.pretix_model},
          {"position_id", object.position_id ? json(*object.position_id) : json(nullptr)},
          {"external_object_type", object.external_object_type},
          {"external_id_field", object.external_id_field},
          {"id_value", object.id_value},
          {"skipped", object.skipped()},
          {"properties", std::move(properties)}};
}

}  // namespace tixsync::mapping
