// pretix's assign_properties (datasync/utils.py): merges evaluated properties into an external
// object's existing values with the update modes overwrite, if_new, if_empty and append, and
// returns only what has to be written. Pure function, reproduced with all its edge cases.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace tixsync::mapping {

using json = nlohmann::json;

/// The update modes pretix knows.
inline constexpr const char* mode_overwrite = "overwrite";
inline constexpr const char* mode_if_new = "if_new";
inline constexpr const char* mode_if_empty = "if_empty";
inline constexpr const char* mode_append = "append";

/// One evaluated property: the external field, its value and the update mode.
struct property_value {
  std::string external_field;
  json value;
  std::string mode;
};

/// Thrown for an update mode pretix does not know (reached only with a truthy value, as in
/// pretix). Maps to a configuration error.
struct invalid_update_mode : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Python truthiness of a JSON value: null, false, 0, 0.0, "", [] and {} are falsy.
bool is_truthy(const json& value);

/// Python str() of a JSON value as pretix would see it: strings as is, true/false -> "True"/
/// "False", null -> "None", integers as digits, floats as Python's repr (1.0 -> "1.0", 1e16 ->
/// "1e+16"), lists and objects as Python's repr (['a', 1, None], {'k': 'v'}; object keys in
/// nlohmann's sorted order, which may differ from the insertion order Python would keep).
std::string python_str(const json& value);

/// Python repr() of a JSON value: like python_str, but strings are quoted ('a', "it's") with
/// Python's escapes. Used for lists inside messages, as pretix formats them.
std::string python_repr(const json& value);

/// Returns the object of properties to write. `old_values` is the existing external object (an
/// object, {} for a new one; anything else counts as {}); `list_sep` is the provider's list
/// separator (nullopt: native lists). Throws invalid_update_mode; with a separator, an append to
/// an existing value that is truthy but not a string throws std::invalid_argument (pretix fails
/// there with an AttributeError, an internal error), as does an empty separator (ValueError).
json assign_properties(const std::vector<property_value>& new_values, const json& old_values,
                       bool is_new, const std::optional<std::string>& list_sep);

}  // namespace tixsync::mapping
