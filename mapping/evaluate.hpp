// Evaluates one order against a provider's mappings, as pretix's sync_order does before calling
// the provider: per Order mapping one object, per OrderPosition mapping one object per position,
// each with its id value and its list of (external field, value, mode). Value maps are applied to
// list values and lists joined with the provider's joiner (or kept native).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "mapping/assign_properties.hpp"
#include "mapping/mapping_definition.hpp"
#include "mapping/source_fields.hpp"

namespace tixsync::mapping {

/// A configuration error found while evaluating (unknown field, missing input, value map missing
/// a value): pretix's SyncConfigError; the job is parked as `config`.
struct sync_config_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// One object a sync would send to the external system.
struct evaluated_object {
  std::int64_t mapping_id = 0;
  std::string pretix_model;
  std::optional<std::int64_t> position_id;  ///< set for OrderPosition mappings
  std::string external_object_type;
  std::string external_id_field;
  json id_value;  ///< value of pretix_id_field (no value map applied)
  std::vector<property_value> properties;
  /// pretix skips objects whose id value is empty ("", null, false, empty list).
  bool skipped() const { return !is_truthy(id_value); }
};

/// How lists become property values: joined with `joiner` (pretix's default ","), or kept as
/// native JSON lists when nullopt or "" (pretix tests its list_field_joiner for truthiness).
struct evaluation_options {
  std::optional<std::string> list_joiner = std::string(",");
};

/// The value of one field for the given inputs, with the value map applied to list values and the
/// list joined. A value map is used when it is a JSON object (even {}, like pretix's "{}"
/// string) and the field has options; null means none. Throws sync_config_error or
/// field_internal_error.
json field_value(const field_catalogue& catalogue, const std::string& key,
                 const field_inputs& inputs, const json& value_map,
                 const evaluation_options& options);

/// Evaluates all objects of one mapping for an order (one for Order mappings, one per position in
/// order for OrderPosition mappings). Throws sync_config_error or field_internal_error.
std::vector<evaluated_object> evaluate_mapping(const mapping_definition& mapping,
                                               const order& order, const event_bundle& event,
                                               const field_catalogue& catalogue,
                                               const evaluation_context& context,
                                               const evaluation_options& options);

/// Evaluates every mapping in list order. Throws like evaluate_mapping.
std::vector<evaluated_object> evaluate_order(const std::vector<mapping_definition>& mappings,
                                             const order& order, const event_bundle& event,
                                             const field_catalogue& catalogue,
                                             const evaluation_context& context,
                                             const evaluation_options& options);

/// The preview/JSON form of an object: {mapping_id, pretix_model, position_id,
/// external_object_type, external_id_field, id_value, skipped, properties: [{external_field, value,
/// mode}]}.
json to_json(const evaluated_object& object);

}  // namespace tixsync::mapping
