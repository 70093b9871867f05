// The associations of the REST provider: external fields filled with the external ids (or the
// links) of the objects an earlier mapping synced in the same run, taken from the request's
// mapped objects (already filtered to the object's position by pretix's filter_mapped_objects:
// an Order object sees every position's results, a position object its own and order-level ones).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "mapping/assign_properties.hpp"
#include "providers/rest/rest_settings.hpp"
#include "providers/sync_error.hpp"
#include "providers/sync_result.hpp"

namespace tixsync::providers::rest {

/// The value of one association: the sync_info "external_id" (or the external_link_href) of
/// every non-null result of the association's mapping, in order; a JSON list when `joiner` is
/// nullopt (native lists), else the texts joined with it. Throws sync_config_error when that
/// mapping has no results in `mapped` (it did not run before) or a result lacks the value.
json association_value(const association_setting& association, const mapped_objects& mapped,
                       const std::optional<std::string>& joiner);

/// One overwrite property per association of `object` that fills a field, in settings order.
std::vector<mapping::property_value> association_properties(
    const object_settings& object, const mapped_objects& mapped,
    const std::optional<std::string>& joiner);

/// The {associations} list: per association with into = "associations" and per associated
/// object, the object's association_item template expanded with its id (or link), external
/// object type and type_id; every other placeholder from `values`. Throws as association_value.
json association_items(const object_settings& object, const mapped_objects& mapped,
                       const json_template::value_source& values);

}  // namespace tixsync::providers::rest
