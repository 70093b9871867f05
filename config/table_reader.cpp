// Typed reads of TOML values with location-carrying problems, unknown-key detection and the
// "did you mean" suggestion for misspelt keys (closest_key.hpp).
#include "config/table_reader.hpp"

#include <algorithm>
#include <vector>

#include "config/duration.hpp"

namespace tixsync::config {

source_location problem_sink::where(const toml::source_region& region) const {
  return {file, static_cast<int>(region.begin.line), static_cast<int>(region.begin.column)};
}

void problem_sink::add(const toml::source_region& region, std::string key_path,
                       std::string message) {
  problems.push_back({where(region), std::move(key_path), std::move(message)});
}

table_reader::table_reader(const toml::table& table, std::string path, problem_sink& sink)
    : table_(table), path_(std::move(path)), sink_(sink) {}

std::string table_reader::path_of(const std::string& key) const {
  return path_.empty() ? key : path_ + "." + key;
}

void table_reader::problem(const toml::node& node, const std::string& key, std::string message) {
  sink_.add(node.source(), path_of(key), std::move(message));
}

void table_reader::wrong_type(const toml::node& node, const std::string& key,
                              const char* expected) {
  problem(node, key, std::string("expected ") + expected);
}

const toml::node* table_reader::get(const std::string& key, bool required) {
  known_.insert(key);
  const toml::node* node = table_.get(key);
  if (!node && required) {
    sink_.add(table_.source(), path_of(key), "missing required key");
  }
  return node;
}

bool table_reader::string(const std::string& key, std::string& out, bool required) {
  const toml::node* node = get(key, required);
  if (!node) return false;
  if (!node->is_string()) return wrong_type(*node, key, "a string"), false;
  out = **node->as_string();
  return true;
}

bool table_reader::integer(const std::string& key, int& out, int min, int max, bool required) {
  const toml::node* node = get(key, required);
  if (!node) return false;
  if (!node->is_integer()) return wrong_type(*node, key, "an integer"), false;
  const std::int64_t value = **node->as_integer();
  if (value < min || value > max) {
    problem(*node, key,
            "out of range: " + std::to_string(value) + " is not within " + std::to_string(min) +
                ".." + std::to_string(max));
    return false;
  }
  out = static_cast<int>(value);
  return true;
}

bool table_reader::number(const std::string& key, double& out, double min, double max) {
  const toml::node* node = get(key);
  if (!node) return false;
  double value = 0;
  if (node->is_integer()) {
    value = static_cast<double>(**node->as_integer());
  } else if (node->is_floating_point()) {
    value = **node->as_floating_point();
  } else {
    return wrong_type(*node, key, "a number"), false;
  }
  if (!(value >= min && value <= max)) {
    problem(*node, key,
            "out of range: " + std::to_string(value) + " is not within " + std::to_string(min) +
                ".." + std::to_string(max));
    return false;
  }
  out = value;
  return true;
}

bool table_reader::boolean(const std::string& key, bool& out) {
  const toml::node* node = get(key);
  if (!node) return false;
  if (!node->is_boolean()) return wrong_type(*node, key, "true or false"), false;
  out = **node->as_boolean();
  return true;
}

bool table_reader::duration(const std::string& key, std::chrono::milliseconds& out,
                            std::chrono::milliseconds min, std::chrono::milliseconds max) {
  const toml::node* node = get(key);
  if (!node) return false;
  if (!node->is_string()) return wrong_type(*node, key, "a duration string like \"30s\""), false;
  const std::string text = **node->as_string();
  auto parsed = parse_duration(text);
  if (!parsed) {
    problem(*node, key,
            "bad duration \"" + text + "\": use e.g. \"500ms\", \"30s\", \"5m\", \"1h\"");
    return false;
  }
  if (*parsed < min || *parsed > max) {
    problem(*node, key,
            "out of range: \"" + text + "\" is not within " + std::to_string(min.count()) + "ms.." +
                std::to_string(max.count()) + "ms");
    return false;
  }
  out = *parsed;
  return true;
}

bool table_reader::string_list(const std::string& key, std::vector<std::string>& out) {
  const toml::node* node = get(key);
  if (!node) return false;
  if (node->is_string()) return out = {**node->as_string()}, true;
  const toml::array* array = node->as_array();
  if (!array) return wrong_type(*node, key, "a string or a list of strings"), false;
  std::vector<std::string> values;
  bool ok = true;
  for (std::size_t i = 0; i < array->size(); ++i) {
    const toml::node& element = *array->get(i);
    if (!element.is_string()) {
      problem(element, key + "[" + std::to_string(i) + "]", "expected a string");
      ok = false;
    } else {
      values.push_back(**element.as_string());
    }
  }
  if (ok) out = std::move(values);
  return ok;
}

bool table_reader::secret_env(const std::string& key, std::string& name, secret& value) {
  if (!string(key, name)) return false;
  if (auto why = resolve_secret_env(name, sink_.env, value)) {
    problem(*table_.get(key), key, std::move(*why));
    name.clear();  // it may be the secret itself
    return false;
  }
  return true;
}

bool table_reader::choice(const std::string& key, std::string& out,
                          const std::vector<std::string>& allowed) {
  std::string value;
  if (!string(key, value)) return false;
  if (std::find(allowed.begin(), allowed.end(), value) != allowed.end()) return out = value, true;
  std::string list;
  for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
  problem(*table_.get(key), key, "\"" + value + "\" is not one of " + list);
  return false;
}

const toml::table* table_reader::table(const std::string& key) {
  const toml::node* node = get(key);
  if (!node) return nullptr;
  if (!node->is_table()) return wrong_type(*node, key, "a table"), nullptr;
  return node->as_table();
}

void table_reader::finish() {
  for (const auto& [key, node] : table_) {
    const std::string name(key.str());
    if (known_.count(name)) continue;
    std::string message = "unknown key";
    const std::string suggestion = closest_key(name, known_);
    if (!suggestion.empty()) message += " (did you mean '" + suggestion + "'?)";
    sink_.add(key.source(), path_of(name), message);
  }
}

}  // namespace tixsync::config
