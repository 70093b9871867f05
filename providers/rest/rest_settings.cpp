// Reading and checking [providers.rest]: each object type's calls and templates, then the
// checks against the provider's mappings (a table per mapped object type, associations to
// earlier mappings only, placeholders that have a value for every mapping using them).
#include "providers/rest/rest_settings.hpp"

#include <algorithm>
#include <set>

#include "providers/rest/url_rules.hpp"

namespace tixsync::providers::rest {
namespace {

const std::vector<placeholder>& without_external_id = object_placeholders();

std::vector<placeholder> with_external_id() {
  auto all = without_external_id;
  all.push_back(placeholder::external_id);
  return all;
}

std::vector<placeholder> association_item_placeholders() {
  auto all = without_external_id;
  for (auto p : {placeholder::association_id, placeholder::association_type,
                 placeholder::association_type_id}) {
    all.push_back(p);
  }
  return all;
}

/// The default shape of one {associations} item.
const json default_association_item = {{"id", "{association_id}"},
                                       {"type", "{association_type}"},
                                       {"type_id", "{association_type_id}"}};

/// Reads a JSON template at `key`; reports its problems at their place inside it.
std::optional<json_template> read_json_template(settings_table& table, const std::string& key,
                                                const std::vector<placeholder>& allowed) {
  const json* node = table.get(key);
  if (!node) return std::nullopt;
  std::vector<template_problem> problems;
  json_template parsed = json_template::parse(*node, allowed, problems);
  for (auto& p : problems) table.problems().push_back({table.path_of(key) + p.where, p.message});
  return parsed;
}

void read_header_templates(settings_table& table, endpoint& out,
                           const std::vector<placeholder>& allowed) {
  const json* node = table.table("headers");
  if (!node) return;
  settings_table headers(node, table.path_of("headers"), table.problems());
  for (const auto& [name, value] : node->items()) {
    headers.known(name);
    if (auto why = header_name_problem(name)) {
      headers.problem(name, std::move(*why));
      continue;
    }
    std::string text;
    if (!headers.string(name, text, true)) continue;
    if (text.find_first_of("\r\n") != std::string::npos) {
      headers.problem(name, "must not contain line breaks");
      continue;
    }
    std::vector<std::string> problems;
    header_template header{name, text_template::parse(text, allowed, problems)};
    for (auto& p : problems) headers.problem(name, std::move(p));
    out.headers.push_back(std::move(header));
  }
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

/// What every endpoint table has: method, url, body and headers.
bool read_endpoint(settings_table& table, endpoint& out, const std::vector<std::string>& methods,
                   const std::vector<placeholder>& allowed,
                   const std::vector<placeholder>& body_allowed) {
  out.method = methods.front();
  table.choice("method", out.method, methods);
  out.body = read_json_template(table, "body", body_allowed);
  if (out.body && out.method == "GET") {
    table.problem("body", "a GET request has no body: set method = \"POST\" (or another method)");
  }
  read_header_templates(table, out, allowed);
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

/// idempotency_key = true (the "Idempotency-Key" header) or a header name.
void read_idempotency_key(settings_table& table, create_endpoint& create) {
  const json* node = table.get("idempotency_key");
  if (!node) return;
  if (node->is_boolean()) {
    if (node->get<bool>()) create.idempotency_header = "Idempotency-Key";
    return;
  }
  if (!node->is_string()) {
    table.problem("idempotency_key",
                  std::string("expected true, false or a header name, got ") + node->type_name());
    return;
  }
  const std::string name = node->get<std::string>();
  if (auto why = header_name_problem(name)) {
    table.problem("idempotency_key", std::move(*why));
  } else {
    create.idempotency_header = name;
  }
}

std::optional<json_path> read_optional_path(settings_table& table, const std::string& key) {
  if (!table.get(key)) return std::nullopt;
  return read_path(table, key, "");
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
    std::string into = "field";
    entry.choice("into", into, {"field", "associations"});
    association.into_items = into == "associations";
    std::int64_t type_id = 0;
    if (entry.integer("type_id", type_id, INT64_MIN, INT64_MAX)) association.type_id = type_id;
    entry.finish();
    object.associations.push_back(association);
  }
}

void read_lookup(settings_table& t, lookup_endpoint& lookup) {
  read_endpoint(t, lookup, {"GET", "POST", "PUT", "PATCH"}, without_external_id,
                without_external_id);
  lookup.results = read_path(t, "results", "");
  lookup.total = read_optional_path(t, "total");
  std::string not_found = "empty";
  t.choice("not_found", not_found, {"empty", "404"});
  lookup.not_found_on_404 = not_found == "404";
}

void read_get(settings_table& t, get_endpoint& get) {
  read_endpoint(t, get, {"GET", "POST"}, with_external_id(), with_external_id());
  if (!get.url.uses(placeholder::external_id) &&
      !(get.body && get.body->uses(placeholder::external_id))) {
    t.problem("url", "must contain {external_id}");
  }
  get.result = read_path(t, "result", "");
}

void read_create(settings_table& t, create_endpoint& create, const json_path& id) {
  read_endpoint(t, create, {"POST", "PUT"}, without_external_id,
                with_write_values(without_external_id));
  create.id = read_path(t, "id", id.text());
  read_idempotency_key(t, create);
  t.string("existing_id_after", create.existing_id_after);
}

/// Reads the call table `key` of `table` with `read` (reporting unknown keys after it).
template <typename Reader>
void read_call(settings_table& table, const std::string& key, bool required, Reader read) {
  if (const json* node = table.table(key, required)) {
    settings_table t(node, table.path_of(key), table.problems());
    read(t);
    t.finish();
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
  object.fields = read_path(table, "fields", "");
  object.error_message = read_optional_path(table, "error_message");
  read_call(table, "lookup", true, [&](settings_table& t) { read_lookup(t, object.lookup); });
  read_call(table, "get", false, [&](settings_table& t) { read_get(t, object.get.emplace()); });
  read_call(table, "create", true,
            [&](settings_table& t) { read_create(t, object.create, object.id); });
  read_call(table, "update", true, [&](settings_table& t) {
    read_endpoint(t, object.update, {"PATCH", "PUT", "POST"}, with_external_id(),
                  with_write_values(with_external_id()));
  });
  std::vector<template_problem> none;  // the default is valid
  object.association_item =
      table.get("association_item")
          ? *read_json_template(table, "association_item", association_item_placeholders())
          : json_template::parse(default_association_item, association_item_placeholders(), none);
  object.link = read_template(table, "link", with_external_id(), false);
  object.display_name = read_template(table, "display_name", with_external_id(), false);
  read_associations(table, object);
  object.batch = read_batch_settings(table, object.id, object.fields);
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

/// The calls of an object type with their key.
std::vector<std::pair<std::string, const endpoint*>> endpoints_of(const object_settings& object) {
  std::vector<std::pair<std::string, const endpoint*>> out{
      {"lookup", &object.lookup}, {"create", &object.create}, {"update", &object.update}};
  if (object.get) out.emplace_back("get", &*object.get);
  return out;
}

/// The key paths of every template of `object` (URLs, links, headers, bodies) that uses `name`.
std::vector<std::string> keys_using(const object_settings& object, placeholder name) {
  std::vector<std::string> keys;
  for (const auto& [key, text] : templates_of(object)) {
    if (text->uses(name)) keys.push_back(key);
  }
  for (const auto& [key, call] : endpoints_of(object)) {
    for (const auto& header : call->headers) {
      if (header.value.uses(name)) keys.push_back(key + ".headers." + key_segment(header.name));
    }
    if (call->body && call->body->uses(name)) keys.push_back(key + ".body");
  }
  if (object.association_item.uses(name)) keys.push_back("association_item");
  return keys;
}

/// Associations into {associations} need a create body that sends them.
void check_association_items(const object_settings& object, const std::string& object_path,
                             settings_problems& problems) {
  for (const auto& association : object.associations) {
    if (association.into_items &&
        !(object.create.body && object.create.body->uses(placeholder::associations))) {
      problems.push_back({object_path + ".associations." + key_segment(association.field),
                          "into = \"associations\", but create.body does not use "
                          "{associations}: the association would never be sent"});
    }
  }
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
    if (first_use) check_association_items(*object, object_path, problems);
    if (!m.is_position_mapping()) {
      for (const auto& key : keys_using(*object, placeholder::position_id)) {
        problems.push_back({object_path + "." + key, "{position_id} has no value for mapping " +
                                                         std::to_string(m.id) +
                                                         ", an Order mapping"});
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
    if (!keys_using(object, placeholder::base_url).empty()) return true;
    for (const auto& [key, text] : templates_of(object)) {
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
      auto& object = out.objects[type];
      read_object(type, node, objects_table, object);
      object.uses_property_names = !keys_using(object, placeholder::property_names).empty();
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
