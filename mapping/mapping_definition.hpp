// Mappings in pretix's shape: which pretix model (Order or OrderPosition) becomes which external
// object type, which fields identify it on both sides, and the property mappings with value maps
// and update modes. Parsed from JSON and validated against an event's field catalogue, reporting
// every problem at once.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "mapping/source_fields.hpp"

namespace tixsync::mapping {

struct property_mapping {
  std::string pretix_field;
  std::string external_field;
  /// Object of option -> replacement, or null when unused. pretix stores a JSON-encoded string;
  /// the parser accepts an object, such a string, "" or null.
  json value_map;
  std::string overwrite = "overwrite";  ///< the update mode
};

/// A link from one mapping to an earlier one whose synced objects it refers to.
struct association {
  std::int64_t via_mapping_id = 0;
};

struct mapping_definition {
  std::int64_t id = 0;
  std::string pretix_model;  ///< "Order" or "OrderPosition"
  std::string external_object_type;
  std::string pretix_id_field;
  std::string external_id_field;
  std::vector<property_mapping> property_mappings;
  std::vector<association> associations;

  bool is_position_mapping() const { return pretix_model == "OrderPosition"; }
};

/// One problem found in mappings: where (e.g. "mappings[1].property_mappings[3].pretix_field")
/// and what.
struct mapping_problem {
  std::string path;
  std::string message;
  std::string to_string() const;
};

/// Parses a JSON array of mappings (or an object {"mappings": [...]}). Structural problems
/// (wrong types, missing keys, unknown keys, malformed value_map strings, ids that are not
/// positive integers, a pretix_model other than Order/OrderPosition) are appended to `problems`.
/// The result holds one mapping per array element and one property mapping per list element, so
/// the paths validate_mappings reports match the document; what could not be read keeps its
/// default (id 0, empty strings, null value map). Use the result only when no problem was found.
std::vector<mapping_definition> parse_mappings(const json& document,
                                               std::vector<mapping_problem>& problems);

/// Checks mappings against an event's catalogue and appends every problem: unknown field, a
/// field needing an input the model lacks (a position field in an Order mapping), unknown update
/// mode, a value map missing one of the field's options or naming a value that is not an option,
/// a value map on a field without options, duplicate mapping ids, associations to unknown or
/// later mappings. Skips what parse_mappings already reported (empty fields, ids <= 0).
void validate_mappings(const std::vector<mapping_definition>& mappings,
                       const field_catalogue& catalogue, std::vector<mapping_problem>& problems);

}  // namespace tixsync::mapping
