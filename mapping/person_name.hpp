// pretix's person-name schemes (settings.PERSON_NAME_SCHEMES as far as sync uses them): the parts
// of each scheme in declared order with their English labels, the concatenation rule, build_name
// and the legacy "split at the last space" used for the auto-generated given/family fields.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mapping/order.hpp"

namespace tixsync::mapping {

/// One part of a scheme: key in the parts object ("given_name") and English label ("Given name").
struct name_field {
  std::string_view key;
  std::string_view label;
};

/// How a scheme concatenates its parts.
enum class name_join {
  space,         ///< non-empty `joined` parts separated by one space
  no_space,      ///< non-empty `joined` parts without separator
  comma,         ///< joined[0] + ", " (only if both are non-empty) + joined[1]
  space_degree,  ///< as `space`, then ", " + degree if the "degree" part is non-empty
};

struct name_scheme {
  std::string_view key;
  std::vector<name_field> fields;        ///< declared order: fixes the order of the field keys
  std::vector<std::string_view> joined;  ///< parts that build the name, in concatenation order
  name_join join = name_join::space;

  /// Whether a part with this key is declared by the scheme.
  bool has_field(std::string_view part) const;
};

/// The scheme with that key, or nullptr.
const name_scheme* find_name_scheme(std::string_view key);

/// Every scheme, in pretix's order.
const std::vector<name_scheme>& all_name_schemes();

/// The scheme's concatenation of `parts` (missing parts count as ""), trimmed like Python's
/// str.strip().
std::string concatenate_name(const name_scheme& scheme, const name_parts& parts);

/// pretix's build_name: nullopt for empty parts; the "_legacy" value if present; else the scheme
/// named by "_scheme" (or `fallback_scheme` without one) concatenates. Throws
/// field_internal_error when the scheme is unknown (pretix's KeyError).
std::optional<std::string> build_name(const name_parts& parts, std::string_view fallback_scheme);

/// Text before / after the last space (Python's name.rsplit(" ", 1)); `family` is "" when the
/// name has no space.
struct split_name {
  std::string given;
  std::string family;
};
split_name split_name_on_last_space(std::string_view name);

/// Python's str.strip() without arguments on UTF-8 text (Unicode whitespace at both ends).
std::string_view python_strip(std::string_view text);

}  // namespace tixsync::mapping
