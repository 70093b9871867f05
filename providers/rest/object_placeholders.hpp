// The placeholder values of one object request ({id_value}, {order_code}, {event}, ...), shared
// by the REST and the webhook provider.
#pragma once

#include <string>
#include <vector>

#include "providers/provider.hpp"
#include "providers/rest/rest_settings.hpp"
#include "providers/rest/text_template.hpp"

namespace tixsync::providers::rest {

/// The values for `request`; {external_id} stays empty (set once it is known) and {base_url}
/// is `base_url`. The id value is its text as pretix's str() gives it; {position_id} is "" for
/// Order objects; {event} and {organizer} come from the event (or the order's event slug).
placeholder_values placeholders_for(const object_request& request, const std::string& base_url);

/// The JSON value of `name` in one object's body templates (json_template): the id value as it
/// is, `record` for {properties} (the merged fields the write sends), the association items of
/// `object` for {associations}, `property_names` as a list, the position and mapping ids as
/// numbers, anything else as the text of `values`. Throws as association_items.
json object_placeholder_json(placeholder name, const object_request& request,
                             const placeholder_values& values,
                             const std::vector<std::string>& property_names, const json& record,
                             const object_settings& object);

/// An external id as text: a string as is, an integer in digits; nullopt for anything else.
std::optional<std::string> external_id_text(const json& value);

}  // namespace tixsync::providers::rest
