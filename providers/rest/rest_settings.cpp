// Reading and checking [providers.rest]: each object type's calls and templates, then the
// checks against the provider's mappings (a table per mapped object type, associations to
// earlier mappings only, placeholders that have a value for every mapping using them).
#include "providers/rest/rest_settings.hpp"

#include <algorithm>
#include <set>

#include "providers/rest/url_rules.hpp"

namespace tixsync::providers::rest {
namespace {

const std::vector<placeholder> without_external_id{
    placeholder::id_value,    placeholder::id_field,   placeholder::object_type,
    placeholder::order_code,  placeholder::event,      placeholder::organizer,
    placeholder::position_id, placeholder::mapping_id, placeholder::base_url};

std::vector<placeholder> with_external_id() {
  auto all = without_external_id;
  all.push_back(placeholder::external_id);
  return all;
}

/// Reads a template at `key`; reports its problems at that key.
std::optional<text_template> read_template(settings_table& table, const std::string& key,
                                           const std::vector<placeholder>& allowed, bool required) {
  std::string text;
  if (!table.string(key, text, required)) return std::nullopt;
  std::vector<std::string> problems;
  text_template parsed = text_template::parse(text, allowed, problems);
  for (auto& p : problems) table.problem(key, std::move(p));
  if (text.empty()) table.problem(key, "must not be empty");
  return parsed;
}

json_path read_path(settings_table& table, const std::string& key, const std::string& fallback) {
  std::string text = fallback;
  table.string(key, text);
  std::vector<std::string> problems;
  json_path path = json_path::parse(text, problems);
  for (auto& p : problems) table.problem(key, std::move(p));
  return path;
}

/// What every endpoint table has: method and url. Returns the table reader for the rest.
bool read_endpoint(settings_table& table, endpoint& out, const std::vector<std::string>& methods,
                   const std::vector<placeholder>& allowed) {
  out.method = methods.front();
  table.choice("method", out.method, methods);
  auto url = read_template(table, "url", allowed, true);
  if (!url) return false;
  if (!url->empty() && !is_usable_url_template(url->text())) {
    table.problem("url",
                  "must start with \"/\" (relative to base_url), http://, https:// or "
                  "{base_url}");
  }
  if (auto why = url_credentials_problem(url->text())) table.problem("url", std::move(*why));
  out.url = std::move(*url);
  return true;
}

void read_associations(settings_table& parent, object_settings& object) {
  const json* node = parent.table("associations");
  if (!node) return;
  settings_table table(node, parent.path_of("associations"), parent.problems());
  for (const auto& [field, value] : node->items()) {
    table.known(field);
    association_setting association;
    association.field = field;
    if (value.is_number_integer()) {  // shorthand: tickets = 2
      association.mapping_id = value.get<std::int64_t>();
      object.associations.push_back(association);
      continue;
    }
    if (!value.is_object()) {
      table.problem(field, std::string("expected a table {mapping = <id>, value = "
                                       "\"external_id\" | \"link\"}, got ") +
                               value.type_name());
      continue;
    }
    settings_table entry(&value, table.path_of(field), table.problems());
    entry.integer("mapping", association.mapping_id, 1, INT64_MAX, true);
    std::string kind = "external_id";
    entry.choice("value", kind, {"external_id", "link"});
    association.use_link = kind == "link";
    entry.finish();
    object.associations.push_back(association);
  }
}

void read_object(const std::string& type, const json& node, settings_table& objects,
                 object_settings& object) {
  object.type = type;
  if (!node.is_object()) {
    objects.problem(type, std::string("expected a table, got ") + node.type_name());
    return;
  }
  settings_table table(&node, objects.path_of(type), objects.problems());
  object.id = read_path(table, "id", "id");
  if (const json* lookup = table.table("lookup", true)) {
    settings_table t(lookup, table.path_of("lookup"), table.problems());
    read_endpoint(t, object.lookup, {"GET"}, without_external_id);
    object.lookup.results = read_path(t, "results", "");
    std::string not_found = "empty";
    t.choice("not_found", not_found, {"empty", "404"});
    object.lookup.not_found_on_404 = not_found == "404";
    t.finish();
  }
  if (const json* get = table.table("get")) {
    settings_table t(get, table.path_of("get"), table.problems());
    get_endpoint endpoint;
    read_endpoint(t, endpoint, {"GET"}, with_external_id());
    if (!endpoint.url.uses(placeholder::external_id)) {
      t.problem("url", "must contain {external_id}");
    }
    endpoint.result = read_path(t, "result", "");
    t.finish();
    object.get = std::move(endpoint);
  }
  if (const json* create = table.table("create", true)) {
    settings_table t(create, table.path_of("create"), table.problems());
    read_endpoint(t, object.create, {"POST", "PUT"}, without_external_id);
    object.create.id = read_path(t, "id", object.id.text());
    t.finish();
  }
  if (const json* update = table.table("update", true)) {
    settings_table t(update, table.path_of("update"), table.problems());
    read_endpoint(t, object.update, {"PATCH", "PUT", "POST"}, with_external_id());
    t.finish();
  }
  object.link = read_template(table, "link", with_external_id(), false);
  object.display_name = read_template(table, "display_name", with_external_id(), false);
  read_associations(table, object);
  table.finish();
}

/// The templates of an object type with the key path of each.
std::vector<std::pair<std::string, const text_template*>> templates_of(
    const object_settings& object) {
  std::vector<std::pair<std::string, const text_template*>> out{{"lookup.url", &object.lookup.url},
                                                                {"create.url", &object.create.url},
                                                                {"update.url", &object.update.url}};
  if (object.get) out.emplace_back("get.url", &object.get->url);
  if (object.link) out.emplace_back("link", &*object.link);
  if (object.display_name) out.emplace_back("display_name", &*object.display_name);
  return out;
}

void check_against_mappings(const rest_settings& settings, const std::string& objects_path,
                            const std::vector<mapping::mapping_definition>& mappings,
                            settings_problems& problems) {
  std::set<std::string> used;
  for (std::size_t i = 0; i < mappings.size(); ++i) {
    const auto& m = mappings[i];
    if (m.external_object_type.empty()) continue;  // reported with the mappings
    const bool first_use = used.insert(m.external_object_type).second;
    const object_settings* object = settings.find(m.external_object_type);
    if (!object) {
      if (first_use) {
        problems.push_back({objects_path, "no table for external object type \"" +
                                              m.external_object_type + "\" (used by mapping " +
                                              std::to_string(m.id) + "); add [" + "objects." +
                                              key_segment(m.external_object_type) + "]"});
      }
      continue;
    }
    const std::string object_path = objects_path + "." + key_segment(object->type);
    if (!m.is_position_mapping()) {
      for (const auto& [key, text] : templates_of(*object)) {
        if (text->uses(placeholder::position_id)) {
          problems.push_back({object_path + "." + key, "{position_id} has no value for mapping " +
                                                           std::to_string(m.id) +
                                                           ", an Order mapping"});
        }
      }
    }
    for (const auto& association : object->associations) {
      const std::string path = object_path + ".associations." + key_segment(association.field);
      if (association.mapping_id <= 0) continue;  // reported while reading
      auto earlier = std::find_if(mappings.begin(), mappings.begin() + i,
                                  [&](const auto& e) { return e.id == association.mapping_id; });
      if (earlier == mappings.begin() + i) {
        const bool exists = std::any_of(mappings.begin(), mappings.end(), [&](const auto& e) {
          return e.id == association.mapping_id;
        });
        problems.push_back(
            {path, "mapping " + std::to_string(association.mapping_id) +
                       (exists ? " does not run before mapping " + std::to_string(m.id) +
                                     " (which uses " + object->type +
                                     "): an association must name an earlier mapping"
                               : " does not exist in this provider's mappings")});
        continue;
      }
      if (association.use_link) {
        const object_settings* target = settings.find(earlier->external_object_type);
        if (target && !target->link) {
          problems.push_back({path, "value = \"link\", but object type " +
                                        earlier->external_object_type + " (mapping " +
                                        std::to_string(earlier->id) + ") has no link template"});
        }
      }
      if (association.field == m.external_id_field) {
        problems.push_back({path, "is the id field of mapping " + std::to_string(m.id)});
      }
    }
  }
  for (const auto& [type, object] : settings.objects) {
    if (!used.count(type)) {
      problems.push_back(
          {objects_path + "." + key_segment(type),
           "no mapping of this provider uses external object type \"" + type + "\""});
    }
  }
}

bool needs_base_url(const rest_settings& settings) {
  for (const auto& [type, object] : settings.objects) {
    for (const auto& [key, text] : templates_of(object)) {
      if (text->uses(placeholder::base_url)) return true;
      if (key != "display_name" && key != "link" && !text->text().empty() &&
          text->text().front() == '/') {
        return true;
      }
    }
  }
  return false;
}

}  // namespace

const object_settings* rest_settings::find(const std::string& type) const {
  auto it = objects.find(type);
  return it == objects.end() ? nullptr : &it->second;
}

rest_settings read_rest_settings(const json& settings, const std::string& key_path,
                                 const std::vector<mapping::mapping_definition>& mappings,
                                 const env_lookup& env, settings_problems& problems) {
  rest_settings out;
  settings_table table(&settings, key_path, problems);
  if (table.string("base_url", out.base_url)) {
    if (auto problem = base_url_problem(out.base_url)) table.problem("base_url", *problem);
    while (!out.base_url.empty() && out.base_url.back() == '/') out.base_url.pop_back();
  }
  read_connection_settings(table, env, out.connection);
  if (const json* objects = table.table("objects", true)) {
    settings_table objects_table(objects, table.path_of("objects"), problems);
    for (const auto& [type, node] : objects->items()) {
      objects_table.known(type);
      read_object(type, node, objects_table, out.objects[type]);
    }
  }
  table.finish();
  if (out.base_url.empty() && needs_base_url(out)) {
    table.problem("base_url",
                  "missing: required when a URL is relative (\"/...\") or uses "
                  "{base_url}");
  }
  check_against_mappings(out, table.path_of("objects"), mappings, problems);
  return out;
}

std::string expand_url(const text_template& url, const placeholder_values& values) {
  std::string expanded = url.expand(values, true);
  if (!url.text().empty() && url.text().front() == '/') return values.base_url + expanded;
  return expanded;
}

}  // namespace tixsync::providers::rest
