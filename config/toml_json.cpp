// TOML -> JSON conversion and the walk from a mapping problem's path back to the TOML node it
// names, so inline mappings get precise line and column numbers.
#include "config/toml_json.hpp"

#include <sstream>

namespace tixsync::config {

nlohmann::json to_json(const toml::node& node) {
  if (const auto* table = node.as_table()) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [key, value] : *table) out[std::string(key.str())] = to_json(value);
    return out;
  }
  if (const auto* array = node.as_array()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& value : *array) out.push_back(to_json(value));
    return out;
  }
  if (const auto* s = node.as_string()) return **s;
  if (const auto* i = node.as_integer()) return **i;
  if (const auto* f = node.as_floating_point()) return **f;
  if (const auto* b = node.as_boolean()) return **b;
  std::ostringstream text;  // date, time, date-time
  if (const auto* d = node.as_date()) text << **d;
  if (const auto* t = node.as_time()) text << **t;
  if (const auto* dt = node.as_date_time()) text << **dt;
  return text.str();
}

const toml::node& node_at_path(const toml::node& root, const std::string& path) {
  const toml::node* current = &root;
  std::size_t i = path.find_first_of(".[");  // skip the first segment: it names `root`
  while (i != std::string::npos && i < path.size()) {
    const toml::node* next = nullptr;
    if (path[i] == '[') {
      const std::size_t close = path.find(']', i);
      if (close == std::string::npos) break;
      const auto* array = current->as_array();
      const std::size_t index = std::strtoul(path.c_str() + i + 1, nullptr, 10);
      if (array && index < array->size()) next = array->get(index);
      i = close + 1;
    } else {
      const std::size_t end = path.find_first_of(".[", i + 1);
      const auto* table = current->as_table();
      if (table) next = table->get(path.substr(i + 1, end - i - 1));
      i = end;
    }
    if (!next) break;
    current = next;
  }
  return *current;
}

}  // namespace tixsync::config
