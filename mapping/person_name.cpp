// pretix's person-name schemes, build_name and the last-space split. Labels are the English
// msgids of pretix's settings.py; the concatenation rules are those of its "concatenation" lambdas.
#include "mapping/person_name.hpp"

#include <cstdint>

#include "mapping/source_fields.hpp"

namespace tixsync::mapping {

namespace {

constexpr name_field salutation{"salutation", "Salutation"};
constexpr name_field title{"title", "Title"};
constexpr name_field given{"given_name", "Given name"};
constexpr name_field first{"given_name", "First name"};  // the middle-name schemes say "First"
constexpr name_field middle{"middle_name", "Middle name"};
constexpr name_field family{"family_name", "Family name"};
constexpr name_field degree{"degree", "Degree (after name)"};

std::vector<name_scheme> make_schemes() {
  using j = name_join;
  return {
      {"given_family", {given, family}, {"given_name", "family_name"}, j::space},
      {"title_given_family",
       {title, given, family},
       {"title", "given_name", "family_name"},
       j::space},
      {"given_middle_family",
       {first, middle, family},
       {"given_name", "middle_name", "family_name"},
       j::space},
      {"title_given_middle_family",
       {title, first, middle, family},
       {"title", "given_name", "middle_name", "family_name"},
       j::space},
      {"family_given", {family, given}, {"family_name", "given_name"}, j::space},
      {"family_nospace_given", {given, family}, {"family_name", "given_name"}, j::no_space},
      {"family_comma_given", {given, family}, {"family_name", "given_name"}, j::comma},
      {"full", {{"full_name", "Name"}}, {"full_name"}, j::space},
      {"calling_full",
       {{"calling_name", "Calling name"}, {"full_name", "Full name"}},
       {"full_name"},
       j::space},
      {"full_transcription",
       {{"full_name", "Full name"}, {"latin_transcription", "Latin transcription"}},
       {"full_name"},
       j::space},
      {"salutation_given_family",
       {salutation, given, family},
       {"given_name", "family_name"},
       j::space},
      {"salutation_title_given_family",
       {salutation, title, given, family},
       {"title", "given_name", "family_name"},
       j::space},
      {"salutation_title_given_family_degree",
       {salutation, title, given, family, degree},
       {"title", "given_name", "family_name"},
       j::space_degree},
  };
}

/// The part's value or "" (parts are looked up without allocating).
std::string_view part_value(const name_parts& parts, std::string_view key) {
  for (const auto& [name, value] : parts.parts) {
    if (name == key) return value;
  }
  return {};
}

void join_non_empty(const name_scheme& scheme, const name_parts& parts, std::string_view sep,
                    std::string& out) {
  for (const std::string_view key : scheme.joined) {
    const std::string_view value = part_value(parts, key);
    if (value.empty()) continue;
    if (!out.empty()) out += sep;
    out += value;
  }
}

/// Decodes the code point starting at `i` (no validation: the text comes from a JSON parser).
std::uint32_t code_point_at(std::string_view s, std::size_t i, std::size_t& length) {
  const auto lead = static_cast<unsigned char>(s[i]);
  length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
  if (i + length > s.size()) {
    length = 1;
    return lead;
  }
  std::uint32_t cp = length == 1 ? lead : lead & (0x7F >> length);
  for (std::size_t k = 1; k < length; ++k) cp = (cp << 6) | (s[i + k] & 0x3F);
  return cp;
}

/// Python's str.isspace() (Py_UNICODE_ISSPACE).
bool is_python_space(std::uint32_t cp) {
  return (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x20) || cp == 0x85 || cp == 0xA0 ||
         cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 ||
         cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

/// Start of the UTF-8 sequence that ends right before `end`.
std::size_t previous_start(std::string_view s, std::size_t end) {
  std::size_t start = end - 1;
  while (start > 0 && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80 && end - start < 4) {
    --start;
  }
  return start;
}

}  // namespace

bool name_scheme::has_field(std::string_view part) const {
  for (const name_field& field : fields) {
    if (field.key == part) return true;
  }
  return false;
}

const std::vector<name_scheme>& all_name_schemes() {
  static const std::vector<name_scheme> schemes = make_schemes();
  return schemes;
}

const name_scheme* find_name_scheme(std::string_view key) {
  for (const name_scheme& scheme : all_name_schemes()) {
    if (scheme.key == key) return &scheme;
  }
  return nullptr;
}

std::string concatenate_name(const name_scheme& scheme, const name_parts& parts) {
  std::string out;
  switch (scheme.join) {
    case name_join::space:
      join_non_empty(scheme, parts, " ", out);
      break;
    case name_join::no_space:
      join_non_empty(scheme, parts, "", out);
      break;
    case name_join::comma: {
      const std::string_view a = part_value(parts, scheme.joined[0]);
      const std::string_view b = part_value(parts, scheme.joined[1]);
      out.append(a);
      if (!a.empty() && !b.empty()) out += ", ";
      out.append(b);
      break;
    }
    case name_join::space_degree: {
      join_non_empty(scheme, parts, " ", out);
      const std::string_view value = part_value(parts, "degree");
      if (!value.empty()) out.append(", ").append(value);
      break;
    }
  }
  const std::string_view trimmed = python_strip(out);
  if (trimmed.size() == out.size()) return out;
  return std::string(trimmed);
}

std::optional<std::string> build_name(const name_parts& parts, std::string_view fallback_scheme) {
  if (parts.empty()) return std::nullopt;
  if (const std::string* legacy = parts.find("_legacy")) return *legacy;
  const std::string* named = parts.find("_scheme");
  const std::string_view key = named != nullptr ? std::string_view(*named) : fallback_scheme;
  const name_scheme* scheme = find_name_scheme(key);
  if (scheme == nullptr) {
    throw field_internal_error("unknown person name scheme '" + std::string(key) + "'");
  }
  return concatenate_name(*scheme, parts);
}

split_name split_name_on_last_space(std::string_view name) {
  const std::size_t space = name.rfind(' ');
  if (space == std::string_view::npos) return {std::string(name), {}};
  return {std::string(name.substr(0, space)), std::string(name.substr(space + 1))};
}

std::string_view python_strip(std::string_view text) {
  std::size_t begin = 0;
  while (begin < text.size()) {
    std::size_t length = 0;
    if (!is_python_space(code_point_at(text, begin, length))) break;
    begin += length;
  }
  std::size_t end = text.size();
  while (end > begin) {
    const std::size_t start = previous_start(text, end);
    std::size_t length = 0;
    if (!is_python_space(code_point_at(text, start, length))) break;
    end = start;
  }
  return text.substr(begin, end - begin);
}

}  // namespace tixsync::mapping
