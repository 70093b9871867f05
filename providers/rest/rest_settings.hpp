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
#include "providers/rest/connection_settings.hpp"
#include "providers/rest/text_template.hpp"

namespace tixsync::providers::rest {

/// One HTTP call of an object type: method and URL template. A URL starting with "/" is relative
/// to the base URL; otherwise it must start with http://, https:// or {base_url}.
struct endpoint {
  std::string method;
  text_template url;
};

/// Finds an object by its id value.
struct lookup_endpoint : endpoint {
  /// Where the matches are in the response: a list (empty = not found, else the first) or an
  /// object (found); "" = the body itself.
  json_path results;
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
};

/// An external field filled with the external ids (or links) of an earlier mapping's objects.
struct association_setting {
  std::string field;
  std::int64_t mapping_id = 0;
  bool use_link = false;  ///< value = "link": the objects' link hrefs instead of their ids
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
