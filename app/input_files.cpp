// Loads event bundles, orders and mappings from files for the offline commands, turning every
// problem into one command_error that lists them all with file, line and key path.
#include "app/input_files.hpp"

#include <fstream>
#include <sstream>

#include "app/commands.hpp"
#include "mapping/order_reader.hpp"

namespace tixsync::app {
namespace {

[[noreturn]] void fail_with(const std::vector<std::string>& problems) {
  std::string message = problems.size() == 1 ? "" : std::to_string(problems.size()) + " problems:";
  for (const auto& p : problems) message += (message.empty() ? "" : "\n  ") + p;
  throw command_error(exit_bad_input, message);
}

/// Whether the text is JSON lines: more than one non-empty line, each starting with '{'.
bool looks_like_json_lines(const std::string& text) {
  std::istringstream in(text);
  int objects = 0;
  for (std::string line; std::getline(in, line);) {
    auto start = line.find_first_not_of(" \t\r");
    if (start == std::string::npos) continue;
    if (line[start] != '{') return false;
    ++objects;
  }
  return objects > 1;
}

}  // namespace

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw command_error(exit_bad_input, "cannot read " + path + ": no such file or not readable");
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

mapping::event_bundle load_event_bundle(const std::string& path) {
  mapping::order_reader reader;
  mapping::event_bundle event;
  mapping::read_error error;
  if (!reader.read_event_bundle(read_file(path), event, error)) {
    fail_with({path + ": " + error.to_string()});
  }
  return event;
}

std::vector<loaded_order> load_orders(const std::string& path) {
  const std::string text = read_file(path);
  mapping::order_reader reader;
  std::vector<loaded_order> orders;
  std::vector<std::string> problems;
  auto read_one = [&](const std::string& json, const std::string& origin) {
    loaded_order loaded{origin, {}};
    mapping::read_error error;
    if (reader.read_order(json, loaded.order, error)) {
      orders.push_back(std::move(loaded));
    } else {
      problems.push_back(origin + ": " + error.to_string());
    }
  };
  if (looks_like_json_lines(text)) {
    std::istringstream in(text);
    int line_number = 0;
    for (std::string line; std::getline(in, line);) {
      ++line_number;
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      read_one(line, path + ":" + std::to_string(line_number));
    }
  } else {
    read_one(text, path);
  }
  if (!problems.empty()) fail_with(problems);
  return orders;
}

std::vector<mapping::mapping_definition> load_mappings(const std::string& path,
                                                       const mapping::field_catalogue& catalogue) {
  const std::string text = read_file(path);
  auto document = mapping::json::parse(text, nullptr, false);
  if (document.is_discarded()) {
    // Parse again with exceptions to get nlohmann's message with the byte position.
    try {
      const auto reparsed = mapping::json::parse(text);
      static_cast<void>(reparsed);
    } catch (const mapping::json::parse_error& e) {
      fail_with({path + ": not valid JSON: " + e.what()});
    }
  }
  std::vector<mapping::mapping_problem> problems;
  auto mappings = mapping::parse_mappings(document, problems);
  mapping::validate_mappings(mappings, catalogue, problems);
  if (!problems.empty()) {
    std::vector<std::string> lines;
    for (const auto& p : problems) lines.push_back(path + ": " + p.to_string());
    fail_with(lines);
  }
  return mappings;
}

}  // namespace tixsync::app
