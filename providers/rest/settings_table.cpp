// The JSON settings reader: typed getters that report wrong types, ranges and bad durations with
// their key path, and the unknown-key check with a "did you mean" suggestion.
#include "providers/rest/settings_table.hpp"

#include <algorithm>
#include <cctype>

#include "config/closest_key.hpp"
#include "config/duration.hpp"

namespace tixsync::providers::rest {
namespace {

bool looks_like_secret(const std::string& key) {
  for (const char* word : {"token", "password", "secret", "api_key", "apikey"}) {
    if (key == word) return true;
  }
  return false;
}

}  // namespace

std::string key_segment(const std::string& key) {
  const bool bare = !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
  return bare ? key : json(key).dump();
}

settings_table::settings_table(const json* table, std::string path, settings_problems& problems)
    : table_(table && table->is_object() ? table : nullptr),
      path_(std::move(path)),
      problems_(problems) {}

std::string settings_table::path_of(const std::string& key) const {
  return path_.empty() ? key_segment(key) : path_ + "." + key_segment(key);
}

void settings_table::problem(const std::string& key, std::string message) {
  problems_.push_back({path_of(key), std::move(message)});
}

void settings_table::problem_here(std::string message) {
  problems_.push_back({path_, std::move(message)});
}

void settings_table::wrong_type(const std::string& key, const char* expected) {
  problem(key, std::string("expected ") + expected + ", got " + get(key)->type_name());
}

const json* settings_table::get(const std::string& key, bool required) {
  known_.insert(key);
  if (table_) {
    auto it = table_->find(key);
    if (it != table_->end()) return &*it;
  }
  if (required) problem(key, "missing (required)");
  return nullptr;
}

bool settings_table::string(const std::string& key, std::string& out, bool required) {
  const json* value = get(key, required);
  if (!value) return false;
  if (!value->is_string()) return wrong_type(key, "a string"), false;
  out = value->get<std::string>();
  return true;
}

bool settings_table::integer(const std::string& key, std::int64_t& out, std::int64_t min,
                             std::int64_t max, bool required) {
  const json* value = get(key, required);
  if (!value) return false;
  if (!value->is_number_integer()) return wrong_type(key, "an integer"), false;
  const auto number = value->get<std::int64_t>();
  if (number < min || number > max) {
    problem(key, "must be between " + std::to_string(min) + " and " + std::to_string(max));
    return false;
  }
  out = number;
  return true;
}

bool settings_table::duration(const std::string& key, std::chrono::milliseconds& out,
                              std::chrono::milliseconds min, std::chrono::milliseconds max) {
  std::string text;
  if (!string(key, text)) return false;
  const auto parsed = config::parse_duration(text);
  if (!parsed) {
    problem(key, "\"" + text + "\" is not a duration (e.g. \"500ms\", \"2s\", \"1m30s\")");
    return false;
  }
  if (*parsed < min || *parsed > max) {
    problem(key, "must be between " + std::to_string(min.count()) + "ms and " +
                     std::to_string(max.count()) + "ms");
    return false;
  }
  out = *parsed;
  return true;
}

bool settings_table::choice(const std::string& key, std::string& out,
                            const std::vector<std::string>& allowed, bool required) {
  std::string value;
  if (!string(key, value, required)) return false;
  if (std::find(allowed.begin(), allowed.end(), value) != allowed.end()) return out = value, true;
  std::string list;
  for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
  problem(key, "\"" + value + "\" is not one of " + list);
  return false;
}

const json* settings_table::table(const std::string& key, bool required) {
  const json* value = get(key, required);
  if (!value) return nullptr;
  if (!value->is_object()) return wrong_type(key, "a table"), nullptr;
  return value;
}

void settings_table::finish() {
  if (!table_) return;
  for (const auto& [key, value] : table_->items()) {
    if (known_.count(key)) continue;
    // Never repeat the value: a secret written into the file must not reach a log.
    if (looks_like_secret(key) && known_.count(key + "_env")) {
      problem(key,
              "secrets are not read from the config file: put it in an environment "
              "variable and name that variable in " +
                  key + "_env");
      continue;
    }
    const std::string suggestion = config::closest_key(key, known_);
    problem(key,
            "unknown key" + (suggestion.empty() ? "" : " (did you mean \"" + suggestion + "\"?)"));
  }
}

}  // namespace tixsync::providers::rest
