// Reads mappings from JSON and checks them against an event's field catalogue. Both passes
// collect every problem with its key path instead of stopping at the first one, so a user fixes a
// mapping file in one round.
#include "mapping/mapping_definition.hpp"

#include <algorithm>
#include <cctype>
#include <initializer_list>
#include <limits>
#include <unordered_map>

#include "mapping/assign_properties.hpp"

namespace tixsync::mapping {
namespace {

const std::initializer_list<const char*> mapping_keys = {"id",
                                                         "pretix_model",
                                                         "external_object_type",
                                                         "pretix_id_field",
                                                         "external_id_field",
                                                         "property_mappings",
                                                         "associations"};
const std::initializer_list<const char*> property_keys = {"pretix_field", "external_field",
                                                          "value_map", "overwrite"};
const std::initializer_list<const char*> association_keys = {"via_mapping_id"};
const std::initializer_list<const char*> update_modes = {mode_overwrite, mode_if_new, mode_if_empty,
                                                         mode_append};

std::string in_quotes(const std::string& text) {
  return "\"" + text + "\"";
}

/// "a string", "an integer", ... for messages.
std::string describe_type(const json& value) {
  switch (value.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::boolean:
      return "a boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return "an integer";
    case json::value_t::number_float:
      return "a number with a fraction";
    case json::value_t::string:
      return "a string";
    case json::value_t::array:
      return "an array";
    case json::value_t::object:
      return "an object";
    default:
      return "not JSON";
  }
}

std::string join(const std::vector<std::string>& items, const char* separator) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : separator) + item;
  return out;
}

// Optimal string alignment distance (Levenshtein plus adjacent transpositions), case-insensitive.
std::size_t edit_distance(const std::string& a, const std::string& b) {
  auto lower = [](char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  };
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t cost = lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) &&
          lower(a[i - 2]) == lower(b[j - 1])) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

/// ` (did you mean "x"?)` for the closest candidate within a few edits, else "".
template <typename Range, typename KeyOf>
std::string suggestion(const std::string& wrong, const Range& candidates, KeyOf key_of) {
  const std::size_t limit = std::max<std::size_t>(1, std::min<std::size_t>(3, wrong.size() / 3));
  std::size_t best = limit + 1;
  std::string best_key;
  for (const auto& candidate : candidates) {
    const std::string key = key_of(candidate);
    const std::size_t distance = edit_distance(wrong, key);
    // Something of the wrong text must survive: "x" is no typo of "n".
    if (distance < best && distance < wrong.size()) {
      best = distance;
      best_key = key;
    }
  }
  return best_key.empty() ? "" : " (did you mean " + in_quotes(best_key) + "?)";
}

std::string suggestion(const std::string& wrong, std::initializer_list<const char*> candidates) {
  return suggestion(wrong, candidates, [](const char* c) { return std::string(c); });
}

/// Collects the problems of one parse; each read_* reports what is wrong at `path`.
class mapping_reader {
 public:
  explicit mapping_reader(std::vector<mapping_problem>& problems) : problems_(problems) {}

  void problem(std::string path, std::string message) {
    problems_.push_back({std::move(path), std::move(message)});
  }

  /// Reports keys of `object` that are not in `known`.
  void check_keys(const json& object, const std::string& path, const char* what,
                  std::initializer_list<const char*> known) {
    for (const auto& [key, value] : object.items()) {
      const bool is_known =
          std::any_of(known.begin(), known.end(), [&key = key](const char* k) { return key == k; });
      if (is_known) continue;
      std::vector<std::string> names(known.begin(), known.end());
      problem(path + "." + key, "unknown key" + suggestion(key, known) + "; " + what +
                                    " has the keys " + join(names, ", "));
    }
  }

  /// The value at object[key], or nullptr (reported when `required`) when it is missing.
  const json* find(const json& object, const std::string& path, const char* key, bool required) {
    auto it = object.find(key);
    if (it != object.end()) return &*it;
    if (required) problem(path + "." + key, "missing (required)");
    return nullptr;
  }

  /// Reads a string; false when missing or not a string (both reported) or empty when
  /// `non_empty`.
  bool read_string(const json& object, const std::string& path, const char* key, std::string& out,
                   bool non_empty) {
    const json* value = find(object, path, key, true);
    if (!value) return false;
    if (!value->is_string()) {
      problem(path + "." + key, "must be a string, got " + describe_type(*value));
      return false;
    }
    if (non_empty && value->get_ref<const std::string&>().empty()) {
      problem(path + "." + key, "must not be empty");
      return false;
    }
    out = value->get<std::string>();
    return true;
  }

  /// Reads a positive integer id (pretix uses database keys).
  bool read_id(const json& object, const std::string& path, const char* key, std::int64_t& out) {
    const json* value = find(object, path, key, true);
    if (!value) return false;
    const std::string where = path + "." + key;
    if (value->is_number_unsigned() &&
        value->get<std::uint64_t>() > std::uint64_t(std::numeric_limits<std::int64_t>::max())) {
      problem(where, "is too large for a mapping id");
    } else if (!value->is_number_integer()) {
      problem(where, "must be an integer, got " + describe_type(*value));
    } else if (value->get<std::int64_t>() <= 0) {
      problem(where, "must be a positive integer, got " + value->dump());
    } else {
      out = value->get<std::int64_t>();
      return true;
    }
    return false;
  }

  /// The array at object[key]: nullptr when missing or null (an empty list), or not an array.
  const json* read_optional_array(const json& object, const std::string& path, const char* key) {
    const json* value = find(object, path, key, false);
    if (!value || value->is_null()) return nullptr;
    if (value->is_array()) return value;
    problem(path + "." + key, "must be an array, got " + describe_type(*value));
    return nullptr;
  }

  json read_value_map(const json& value, const std::string& path);
  property_mapping read_property(const json& value, const std::string& path);
  association read_association(const json& value, const std::string& path);
  mapping_definition read_mapping(const json& value, const std::string& path);

 private:
  std::vector<mapping_problem>& problems_;
};

// A value map is an object of option -> replacement text. pretix stores it as a JSON-encoded
// string and "" when unused; both spellings are accepted.
json mapping_reader::read_value_map(const json& value, const std::string& path) {
  json map;
  if (value.is_null() || (value.is_string() && value.get_ref<const std::string&>().empty())) {
    return nullptr;
  }
  if (value.is_string()) {
    const auto& text = value.get_ref<const std::string&>();
    map = json::parse(text, nullptr, false);
    if (map.is_discarded()) {
      std::string reason;
      try {
        json ignored = json::parse(text);
      } catch (const json::exception& e) {
        reason = e.what();
        if (auto end = reason.find("] "); reason.rfind("[json.", 0) == 0 && end != reason.npos) {
          reason.erase(0, end + 2);  // drop nlohmann's "[json.exception.parse_error.101] "
        }
      }
      problem(path, "the string is not valid JSON: " + reason);
      return nullptr;
    }
    if (!map.is_object()) {
      problem(path, "the string must encode a JSON object of option -> value, it encodes " +
                        describe_type(map));
      return nullptr;
    }
  } else if (value.is_object()) {
    map = value;
  } else {
    problem(path,
            "must be an object of option -> value (or such an object JSON-encoded in a "
            "string, \"\" or null for none), got " +
                describe_type(value));
    return nullptr;
  }
  bool values_ok = true;
  for (const auto& [option, replacement] : map.items()) {
    if (replacement.is_string()) continue;
    problem(path + "." + option, "the value for option " + in_quotes(option) +
                                     " must be a string, got " + describe_type(replacement));
    values_ok = false;
  }
  return values_ok ? map : json(nullptr);
}

property_mapping mapping_reader::read_property(const json& value, const std::string& path) {
  property_mapping property;
  if (!value.is_object()) {
    problem(path, "a property mapping must be an object, got " + describe_type(value));
    return property;
  }
  check_keys(value, path, "a property mapping", property_keys);
  read_string(value, path, "pretix_field", property.pretix_field, true);
  read_string(value, path, "external_field", property.external_field, true);
  if (const json* map = find(value, path, "value_map", false)) {
    property.value_map = read_value_map(*map, path + ".value_map");
  }
  if (const json* mode = find(value, path, "overwrite", false)) {
    if (mode->is_string()) {
      property.overwrite = mode->get<std::string>();
    } else {
      problem(path + ".overwrite", "must be an update mode string, got " + describe_type(*mode));
    }
  }
  return property;
}

association mapping_reader::read_association(const json& value, const std::string& path) {
  association result;
  if (!value.is_object()) {
    problem(path, "an association must be an object {\"via_mapping_id\": <id>}, got " +
                      describe_type(value));
    return result;
  }
  check_keys(value, path, "an association", association_keys);
  read_id(value, path, "via_mapping_id", result.via_mapping_id);
  return result;
}

mapping_definition mapping_reader::read_mapping(const json& value, const std::string& path) {
  mapping_definition mapping;
  if (!value.is_object()) {
    problem(path, "a mapping must be an object, got " + describe_type(value));
    return mapping;
  }
  check_keys(value, path, "a mapping", mapping_keys);
  read_id(value, path, "id", mapping.id);
  if (read_string(value, path, "pretix_model", mapping.pretix_model, false) &&
      mapping.pretix_model != "Order" && mapping.pretix_model != "OrderPosition") {
    problem(path + ".pretix_model",
            "must be \"Order\" or \"OrderPosition\", got " + in_quotes(mapping.pretix_model));
  }
  read_string(value, path, "external_object_type", mapping.external_object_type, true);
  read_string(value, path, "pretix_id_field", mapping.pretix_id_field, true);
  read_string(value, path, "external_id_field", mapping.external_id_field, true);
  if (const json* list = read_optional_array(value, path, "property_mappings")) {
    mapping.property_mappings.reserve(list->size());
    for (std::size_t j = 0; j < list->size(); ++j) {
      mapping.property_mappings.push_back(
          read_property((*list)[j], path + ".property_mappings[" + std::to_string(j) + "]"));
    }
  }
  if (const json* list = read_optional_array(value, path, "associations")) {
    for (std::size_t k = 0; k < list->size(); ++k) {
      mapping.associations.push_back(
          read_association((*list)[k], path + ".associations[" + std::to_string(k) + "]"));
    }
  }
  return mapping;
}

/// The array of mappings inside the document, or nullptr (reported).
const json* mapping_list(const json& document, mapping_reader& reader) {
  if (document.is_array()) return &document;
  if (document.is_object()) {
    for (const auto& [key, value] : document.items()) {
      if (key != "mappings") {
        reader.problem(key, "unknown key" + suggestion(key, {"mappings"}) +
                                "; the document is an array of mappings or an object with the "
                                "single key \"mappings\"");
      }
    }
    const json* list = reader.find(document, "", "mappings", false);
    if (!list) {
      reader.problem("mappings", "missing: expected an object {\"mappings\": [...]}");
    } else if (!list->is_array()) {
      reader.problem("mappings", "must be an array of mappings, got " + describe_type(*list));
    } else {
      return list;
    }
    return nullptr;
  }
  reader.problem("mappings",
                 "expected an array of mappings or an object {\"mappings\": [...]}, "
                 "got " +
                     describe_type(document));
  return nullptr;
}

}  // namespace

std::string mapping_problem::to_string() const {
  return path + ": " + message;
}

std::vector<mapping_definition> parse_mappings(const json& document,
                                               std::vector<mapping_problem>& problems) {
  mapping_reader reader(problems);
  std::vector<mapping_definition> mappings;
  const json* list = mapping_list(document, reader);
  if (!list) return mappings;
  mappings.reserve(list->size());
  for (std::size_t i = 0; i < list->size(); ++i) {
    mappings.push_back(reader.read_mapping((*list)[i], "mappings[" + std::to_string(i) + "]"));
  }
  return mappings;
}

// ---------------------------------------------------------------------------------------------
// Validation against the catalogue
// ---------------------------------------------------------------------------------------------

namespace {

bool is_known_model(const std::string& model) {
  return model == "Order" || model == "OrderPosition";
}

/// Checks one field key; returns the field, or nullptr when it is unknown (reported).
const source_field* check_field(const std::string& key, const std::string& path,
                                const std::string& model, const field_catalogue& catalogue,
                                std::vector<mapping_problem>& problems) {
  const source_field* field = catalogue.find(key);
  if (!field) {
    problems.push_back({path, "unknown field " + in_quotes(key) +
                                  suggestion(key, catalogue.fields(),
                                             [](const source_field& f) { return f.key; }) +
                                  "; `tixsync fields` lists the fields of the event"});
    return nullptr;
  }
  if (model == "Order" && field->input == field_input::position) {
    problems.push_back({path, "field " + in_quotes(key) +
                                  " reads an order position; it works only in an "
                                  "OrderPosition mapping, not in an Order mapping"});
  } else if (model == "Order" && field->input == field_input::event_or_subevent) {
    problems.push_back({path, "field " + in_quotes(key) +
                                  " reads the position's event or sub-event; it works only in "
                                  "an OrderPosition mapping, not in an Order mapping"});
  }
  return field;
}

// A value map only acts on list values of fields with options. On other fields pretix ignores
// it without a word; tixsync reports it, because a map that silently does nothing is a mistake.
void check_value_map(const property_mapping& property, const source_field& field,
                     const std::string& path, std::vector<mapping_problem>& problems) {
  const json& map = property.value_map;
  if (field.options.empty()) {
    problems.push_back({path, "field " + in_quotes(field.key) +
                                  " has no options, so pretix ignores its value map; remove it"});
    return;
  }
  std::vector<std::string> option_ids;
  for (const auto& option : field.options) option_ids.push_back(option.first);
  for (const auto& [key, replacement] : map.items()) {
    if (std::find(option_ids.begin(), option_ids.end(), key) != option_ids.end()) continue;
    problems.push_back(
        {path, in_quotes(key) + " is not an option of field " + in_quotes(field.key) +
                   suggestion(key, option_ids, [](const std::string& o) { return o; }) +
                   "; its options are " + join(option_ids, ", ")});
  }
  std::vector<std::string> missing;
  for (const auto& option : option_ids) {
    if (!map.contains(option)) missing.push_back(option);
  }
  if (!missing.empty()) {
    problems.push_back({path, "misses option" + std::string(missing.size() > 1 ? "s " : " ") +
                                  join(missing, ", ") + " of field " + in_quotes(field.key) +
                                  "; a sync fails for any value without a mapping"});
  }
}

void check_property(const property_mapping& property, const std::string& path,
                    const std::string& model, const field_catalogue& catalogue,
                    std::vector<mapping_problem>& problems) {
  // An empty pretix_field was already reported by parse_mappings.
  const source_field* field = nullptr;
  if (!property.pretix_field.empty()) {
    field = check_field(property.pretix_field, path + ".pretix_field", model, catalogue, problems);
  }
  const auto& mode = property.overwrite;
  if (std::none_of(update_modes.begin(), update_modes.end(),
                   [&](const char* known) { return mode == known; })) {
    problems.push_back({path + ".overwrite", "unknown update mode " + in_quotes(mode) +
                                                 suggestion(mode, update_modes) +
                                                 "; use overwrite, if_new, if_empty or append"});
  }
  if (field && property.value_map.is_object()) {
    check_value_map(property, *field, path + ".value_map", problems);
  }
}

void check_mapping(const mapping_definition& mapping, const std::string& path,
                   const field_catalogue& catalogue, std::vector<mapping_problem>& problems) {
  // Checks that depend on the model are skipped for a model parse_mappings rejected.
  const std::string model = is_known_model(mapping.pretix_model) ? mapping.pretix_model : "";
  if (!mapping.pretix_id_field.empty()) {
    check_field(mapping.pretix_id_field, path + ".pretix_id_field", model, catalogue, problems);
  }
  for (std::size_t j = 0; j < mapping.property_mappings.size(); ++j) {
    check_property(mapping.property_mappings[j],
                   path + ".property_mappings[" + std::to_string(j) + "]", model, catalogue,
                   problems);
  }
}

/// Duplicate ids, and associations that do not name an earlier mapping. Ids <= 0 are the
/// defaults of ids parse_mappings could not read (and reported).
void check_ids(const std::vector<mapping_definition>& mappings,
               std::vector<mapping_problem>& problems) {
  std::unordered_map<std::int64_t, std::size_t> first_index;
  for (std::size_t i = 0; i < mappings.size(); ++i) {
    const auto id = mappings[i].id;
    if (id <= 0) continue;
    auto [it, inserted] = first_index.emplace(id, i);
    if (!inserted) {
      problems.push_back({"mappings[" + std::to_string(i) + "].id",
                          "duplicate mapping id " + std::to_string(id) + " (mappings[" +
                              std::to_string(it->second) + "] has it too)"});
    }
  }
  for (std::size_t i = 0; i < mappings.size(); ++i) {
    const auto& associations = mappings[i].associations;
    for (std::size_t k = 0; k < associations.size(); ++k) {
      const auto via = associations[k].via_mapping_id;
      if (via <= 0) continue;
      const std::string path = "mappings[" + std::to_string(i) + "].associations[" +
                               std::to_string(k) + "].via_mapping_id";
      auto it = first_index.find(via);
      if (it == first_index.end()) {
        problems.push_back({path, "no mapping has the id " + std::to_string(via)});
      } else if (it->second == i) {
        problems.push_back({path,
                            "names this mapping itself; an association must name an "
                            "earlier mapping, whose objects are synced first"});
      } else if (it->second > i) {
        problems.push_back({path, "mapping " + std::to_string(via) + " comes later (mappings[" +
                                      std::to_string(it->second) +
                                      "]); an association must name an earlier mapping, whose "
                                      "objects are synced first"});
      }
    }
  }
}

}  // namespace

void validate_mappings(const std::vector<mapping_definition>& mappings,
                       const field_catalogue& catalogue, std::vector<mapping_problem>& problems) {
  for (std::size_t i = 0; i < mappings.size(); ++i) {
    check_mapping(mappings[i], "mappings[" + std::to_string(i) + "]", catalogue, problems);
  }
  check_ids(mappings, problems);
}

}  // namespace tixsync::mapping
