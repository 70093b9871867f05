// Parsing (a walk over the document collecting the strings with braces) and expansion of JSON
// body templates.
#include "providers/rest/json_template.hpp"

#include "providers/rest/settings_table.hpp"

namespace tixsync::providers::rest {
namespace {

struct walker {
  const std::vector<placeholder>& allowed;
  std::vector<template_problem>& problems;
  std::vector<std::pair<json::json_pointer, text_template>>& slots;

  void walk(const json& node, const json::json_pointer& at, const std::string& where) {
    if (node.is_object()) {
      for (const auto& [key, value] : node.items())
        walk(value, at / key, where + "." + key_segment(key));
    } else if (node.is_array()) {
      for (std::size_t i = 0; i < node.size(); ++i) {
        walk(node[i], at / i, where + "[" + std::to_string(i) + "]");
      }
    } else if (node.is_string()) {
      const auto& text = node.get_ref<const std::string&>();
      if (text.find_first_of("{}") == std::string::npos) return;
      std::vector<std::string> messages;
      text_template parsed = text_template::parse(text, allowed, messages);
      for (auto& m : messages) problems.push_back({where, std::move(m)});
      slots.emplace_back(at, std::move(parsed));
    }
  }
};

}  // namespace

json_template json_template::parse(const json& node, const std::vector<placeholder>& allowed,
                                   std::vector<template_problem>& problems) {
  json_template result;
  if (node.is_string()) {
    try {
      result.document_ = json::parse(node.get<std::string>());
    } catch (const json::parse_error& e) {
      // The parser's message names the position; the text itself may be long.
      problems.push_back({"", std::string("not valid JSON: ") + e.what()});
      return result;
    }
  } else if (node.is_object() || node.is_array()) {
    result.document_ = node;
  } else {
    problems.push_back(
        {"", std::string("expected a table, a list or a string of JSON, got ") + node.type_name()});
    return result;
  }
  std::vector<std::pair<json::json_pointer, text_template>> slots;
  walker{allowed, problems, slots}.walk(result.document_, json::json_pointer(), "");
  for (auto& [at, text] : slots) result.slots_.push_back({std::move(at), std::move(text)});
  return result;
}

json json_template::expand(const value_source& value_of) const {
  json out = document_;
  for (const auto& slot : slots_) {
    if (auto name = slot.text.single()) {
      out[slot.at] = value_of(*name);
    } else {
      out[slot.at] =
          slot.text.expand([&](placeholder p) { return interpolation_text(value_of(p)); });
    }
  }
  return out;
}

bool json_template::uses(placeholder name) const {
  for (const auto& slot : slots_) {
    if (slot.text.uses(name)) return true;
  }
  return false;
}

std::string interpolation_text(const json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_null()) return {};
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace tixsync::providers::rest
