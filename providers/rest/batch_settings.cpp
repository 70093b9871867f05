// Reading and checking the batch section of a REST object type: sizes within the API's limit,
// a linger between 1 ms and 1 minute, calls whose templates only use what a batch has.
#include "providers/rest/batch_settings.hpp"

#include "providers/rest/url_rules.hpp"

namespace tixsync::providers::rest {
namespace {

/// A batch call's URL and body know only what all its records share.
const std::vector<placeholder> call_placeholders{placeholder::base_url, placeholder::object_type,
                                                 placeholder::property_names, placeholder::inputs};

/// One record's input of a read: the object's own values.
const std::vector<placeholder>& read_input_placeholders = object_placeholders();

/// One record's input of a write: also the merged fields and the association items.
std::vector<placeholder> write_input_placeholders() {
  return with_write_values(read_input_placeholders);
}

void read_json(settings_table& table, const std::string& key,
               const std::vector<placeholder>& allowed, json_template& out) {
  const json* node = table.get(key, true);
  if (!node) return;
  std::vector<template_problem> problems;
  out = json_template::parse(*node, allowed, problems);
  for (auto& p : problems) table.problems().push_back({table.path_of(key) + p.where, p.message});
}

std::optional<batch_endpoint> read_call(settings_table& parent, const std::string& key,
                                        const std::vector<placeholder>& input_allowed,
                                        bool required) {
  const json* node = parent.table(key, required);
  if (!node) return std::nullopt;
  settings_table table(node, parent.path_of(key), parent.problems());
  batch_endpoint call;
  table.choice("method", call.method, {"POST", "PUT", "PATCH"});
  std::string url;
  if (table.string("url", url, true)) {
    std::vector<std::string> problems;
    call.url = text_template::parse(url, call_placeholders, problems);
    for (auto& p : problems) table.problem("url", std::move(p));
    if (!is_usable_url_template(url)) {
      table.problem("url",
                    "must start with \"/\" (relative to base_url), http://, https:// or "
                    "{base_url}");
    }
    if (auto why = url_credentials_problem(url)) table.problem("url", std::move(*why));
  }
  read_json(table, "body", call_placeholders, call.body);
  if (table.get("body") && !call.body.uses(placeholder::inputs)) {
    table.problem("body", "must use {inputs} (the list of the records' inputs)");
  }
  read_json(table, "input", input_allowed, call.input);
  table.finish();
  return call;
}

json_path read_path(settings_table& table, const std::string& key, const std::string& fallback) {
  std::string text = fallback;
  table.string(key, text);
  std::vector<std::string> problems;
  json_path path = json_path::parse(text, problems);
  for (auto& p : problems) table.problem(key, std::move(p));
  return path;
}

/// A path or a list of paths.
std::vector<json_path> read_paths(settings_table& table, const std::string& key,
                                  const std::string& fallback) {
  const json* node = table.get(key);
  if (!node || node->is_string()) return {read_path(table, key, fallback)};
  std::vector<json_path> out;
  if (!node->is_array()) {
    table.problem(key, std::string("expected a path or a list of paths, got ") + node->type_name());
    return out;
  }
  for (const auto& item : *node) {
    std::vector<std::string> problems;
    if (!item.is_string()) problems.push_back("every item must be a path (a string)");
    if (problems.empty()) out.push_back(json_path::parse(item.get<std::string>(), problems));
    for (auto& p : problems) table.problem(key, std::move(p));
  }
  return out;
}

/// `write` (an upsert), or `create` and `update` after a `read`.
void read_write_calls(settings_table& table, batch_settings& out) {
  auto with_external_id = write_input_placeholders();
  with_external_id.push_back(placeholder::external_id);
  const bool upsert = table.get("write") != nullptr;
  out.write = read_call(table, "write", write_input_placeholders(), false);
  out.create = read_call(table, "create", write_input_placeholders(), !upsert);
  out.update = read_call(table, "update", with_external_id, !upsert);
  if (upsert && (table.get("create") || table.get("update"))) {
    table.problem_here("has `write` (an upsert) and `create`/`update`: use one of them");
  }
  if (!upsert && !out.read) {
    table.problem("read",
                  "missing: `create` and `update` need a `read` to tell new records from "
                  "existing ones");
  }
}

void read_sizes(settings_table& table, batch_settings& out) {
  table.integer("limit", out.limit, 1, 10000);
  out.max_batch = out.limit;
  const json* size = table.get("max_batch");
  if (size && size->is_number_integer() && size->get<std::int64_t>() > out.limit) {
    table.problem("max_batch", std::to_string(size->get<std::int64_t>()) +
                                   " is above the API's limit of " + std::to_string(out.limit) +
                                   " inputs per call (`limit`): the API would refuse the call");
  } else {
    table.integer("max_batch", out.max_batch, 1, out.limit);
  }
  table.duration("max_linger", out.max_linger, std::chrono::milliseconds(1),
                 std::chrono::minutes(1));
}

}  // namespace

std::optional<batch_settings> read_batch_settings(settings_table& object,
                                                  const json_path& default_id,
                                                  const json_path& default_fields) {
  const json* node = object.table("batch");
  if (!node) return std::nullopt;
  settings_table table(node, object.path_of("batch"), object.problems());
  batch_settings out;
  read_sizes(table, out);
  out.read = read_call(table, "read", read_input_placeholders, false);
  read_write_calls(table, out);
  out.results = read_path(table, "results", "results");
  out.result_id = read_path(table, "result_id", default_id.text());
  out.result_key = read_path(table, "result_key", "");
  if (out.result_key.text().empty()) {
    table.problem("result_key",
                  "missing: the path of the id value inside a record (e.g. \"properties.email\"); "
                  "results are matched to objects by it");
  }
  out.result_fields = read_path(table, "result_fields", default_fields.text());
  if (table.get("result_created")) out.result_created = read_path(table, "result_created", "");
  out.errors = read_path(table, "errors", "errors");
  out.error_ids = read_paths(table, "error_ids", "context.ids");
  out.error_message = read_path(table, "error_message", "message");
  if (const json* ignore = table.get("ignore_case")) {
    if (ignore->is_boolean()) {
      out.ignore_case = ignore->get<bool>();
    } else {
      table.problem("ignore_case",
                    std::string("expected true or false, got ") + ignore->type_name());
    }
  }
  table.finish();
  return out;
}

bool needs_existing_values(const std::vector<mapping::property_value>& properties) {
  for (const auto& property : properties) {
    if (property.mode != mapping::mode_overwrite) return true;
  }
  return false;
}

}  // namespace tixsync::providers::rest
