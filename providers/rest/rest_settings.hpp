// The settings of a REST provider ([providers.rest] in the config): the base URL, the connection
// and auth settings, and per external object type the calls that look an object up, fetch it by
// id, create and update it, its link and display name, and the fields that associate it with
// the objects of earlier mappings. Read from JSON and checked against the provider's mappings,
// reporting every problem with its key path.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "mapping/mapping_definition.hpp"
#include "providers/rest/batch_settings.hpp"
#include "providers/rest/connection_settings.hpp"
#include "providers/rest/json_template.hpp"
#include "providers/rest/text_template.hpp"

namespace tixsync::providers::rest {

/// A header of one call whose value is a template (values inserted as they are, line breaks
/// and other control characters replaced by spaces).
struct header_template {
  std::string name;
  text_template value;
};

/// One HTTP call of an object type: method and URL template. A URL starting with "/" is relative
/// to the base URL; otherwise it must start with http://, https:// or {base_url}.
struct endpoint {
  std::string method;
  text_template url;
  /// The request body; without it create and update send the merged fields as they are and
  /// lookup and get send none.
  std::optional<json_template> body;
  std::vector<header_template> headers;
};

/// Finds an object by its id value.
struct lookup_endpoint : endpoint {
  /// Where the matches are in the response: a list (empty = not found, else the first) or an
  /// object (found); "" = the body itself.
  json_path results;
  /// Where the number of matches is (e.g. "total"); reported when above 1.
  std::optional<json_path> total;
  /// true: a 404 means "not found" (not_found = "404"); false: only an empty list does
  /// (not_found = "empty"), and a 404 is an error.
  bool not_found_on_404 = false;
};

/// Fetches an object by the external id of its last sync.
struct get_endpoint : endpoint {
  json_path result;  ///< where the object is in the response; "" = the body
};

/// Creates an object; its external id is read from the response at `id`.
struct create_endpoint : endpoint {
  json_path id;
  /// The header carrying the idempotency key ("Idempotency-Key"); none when empty.
  std::string idempotency_header;
  /// In the error message of a 409, the text followed by the existing object's id
  /// ("Existing ID: "); empty: a 409 is followed by a lookup.
  std::string existing_id_after;
};

/// An external field filled with the external ids (or links) of an earlier mapping's objects.
struct association_setting {
  std::string field;
  std::int64_t mapping_id = 0;
  bool use_link = false;  ///< value = "link": the objects' link hrefs instead of their ids
  /// into = "associations": an item per object in {associations} instead of a field value.
  bool into_items = false;
  std::optional<std::int64_t> type_id;  ///< {association_type_id} of its items
};

/// [providers.rest.objects.<type>].
struct object_settings {
  std::string type;
  json_path id;  ///< the external id inside a found object (default "id")
  lookup_endpoint lookup;
  std::optional<get_endpoint> get;
  create_endpoint create;
  endpoint update;
  std::optional<text_template> link;
  std::optional<text_template> display_name;
  std::vector<association_setting> associations;
  /// One item of {associations}, per associated object.
  json_template association_item;
  /// The existing values inside a found object (e.g. "properties"); "" = the object itself.
  json_path fields;
  /// The error message inside an error response (e.g. "message"); unset: none is read.
  std::optional<json_path> error_message;
  /// Objects of many orders written together in batch calls; unset: one chain per object.
  std::optional<batch_settings> batch;
  /// Whether a template of a single object's calls, link or display name uses
  /// {property_names}: only then does an object sync list them.
  bool uses_property_names = false;
};

/// [providers.rest].
struct rest_settings {
  std::string base_url;  ///< without a trailing "/"
  connection_settings connection;
  std::map<std::string, object_settings> objects;

  /// The object settings of `type`, or nullptr.
  const object_settings* find(const std::string& type) const;
};

/// Reads `settings` (the [providers.rest] table as JSON; null or {} when absent) found at
/// `key_path` (e.g. "providers[0].rest"), checks it against `mappings` (every mapped external
/// object type has a table; associations name earlier mappings of this provider; templates only
/// use placeholders that have a value) and appends every problem.
rest_settings read_rest_settings(const json& settings, const std::string& key_path,
                                 const std::vector<mapping::mapping_definition>& mappings,
                                 const env_lookup& env, settings_problems& problems);

/// The URL of `url` for one object: relative templates are appended to `base_url`.
std::string expand_url(const text_template& url, const placeholder_values& values);

}  // namespace tixsync::providers::rest
