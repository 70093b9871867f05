// The merge step of the REST provider, shared by the per-object chain and the batched path: the
// mapped properties plus the association fields, merged with pretix's assign_properties into the
// existing values, the id field set; and the checks around it (what a write would change, which
// external fields it sets).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "providers/provider.hpp"
#include "providers/rest/rest_settings.hpp"

namespace tixsync::providers::rest {

/// What create or update writes for `request`: assign_properties(properties + association
/// fields, existing or {}, is_new = !existing, joiner), then the id field set to the id value.
/// Throws as assign_properties and association_properties.
json merged_record(const object_request& request, const object_settings& object,
                   const std::optional<json>& existing, const std::optional<std::string>& joiner);

/// Whether writing `record` would change nothing in `existing`.
bool changes_nothing(const json& record, const json& existing);

/// The external fields the object's write sets: its properties, the association fields and the
/// id field, each once, in that order.
std::vector<std::string> property_names(const object_request& request,
                                        const object_settings& object);

}  // namespace tixsync::providers::rest
