// Matching a batch answer to the objects of the batch (see batch_answer.hpp).
#include "providers/rest/batch_answer.hpp"

#include <algorithm>
#include <cctype>
#include <set>

namespace tixsync::providers::rest {
namespace {

std::string error_text(const json& error, const batch_settings& settings) {
  const json* message = settings.error_message.find(error);
  if (message && message->is_string()) return message->get<std::string>();
  return error.dump(-1, ' ', false, json::error_handler_t::replace);
}

/// The ids an error names at any of the error_ids paths: one id or a list of them each.
std::vector<std::string> named_ids(const json& error, const batch_settings& settings) {
  std::vector<std::string> out;
  for (const auto& path : settings.error_ids) {
    const json* ids = path.find(error);
    if (!ids) continue;
    for (const auto& id : ids->is_array() ? *ids : json::array({*ids})) {
      if (auto key = match_key(id, settings.ignore_case)) out.push_back(*key);
    }
  }
  return out;
}

}  // namespace

std::optional<std::string> match_key(const json& id_value, bool ignore_case) {
  std::string text;
  if (id_value.is_string()) {
    text = id_value.get<std::string>();
  } else if (id_value.is_number_integer()) {
    text = id_value.dump();
  } else {
    return std::nullopt;
  }
  if (ignore_case) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  }
  return text;
}

std::optional<matched_answer> match_answer(const json& answer, const std::vector<std::string>& keys,
                                           const std::map<std::string, std::string>& aliases,
                                           const batch_settings& settings, std::string& problem) {
  const std::set<std::string> asked(keys.begin(), keys.end());
  const json* errors = settings.errors.find(answer);
  if (errors && !errors->is_null() && !errors->is_array()) {
    problem = "the errors at \"" + settings.errors.text() + "\" are not a list";
    return std::nullopt;
  }
  const bool has_errors = errors && errors->is_array() && !errors->empty();
  const json* records = settings.results.find(answer);
  if (!(records && records->is_array()) && !(has_errors && (!records || records->is_null()))) {
    problem = "no list of records at \"" + settings.results.text() + "\"";
    return std::nullopt;
  }
  matched_answer out;
  if (records && records->is_array()) {
    for (const auto& record : *records) {
      const json* id = settings.result_key.find(record);
      const auto key = id ? match_key(*id, settings.ignore_case) : std::nullopt;
      if (!key || !asked.count(*key)) {
        ++out.unknown_records;
        continue;
      }
      auto& entry = out.by_key[*key];
      entry.ambiguous = entry.ambiguous || entry.record.has_value();
      entry.record = record;
    }
  }
  if (has_errors) {
    for (const auto& error : *errors) {
      bool named = false;
      std::set<std::string> keys;
      for (const auto& id : named_ids(error, settings)) {
        const auto alias = aliases.find(id);
        if (asked.count(id)) keys.insert(id);
        if (alias != aliases.end() && asked.count(alias->second)) keys.insert(alias->second);
      }
      for (const auto& key : keys) {
        out.by_key[key].errors.push_back(error_text(error, settings));
        named = true;
      }
      if (!named) ++out.unknown_errors;
    }
  }
  return out;
}

}  // namespace tixsync::providers::rest
