// Loads event bundles, orders and mappings from files for the commands, turning every problem
// into one command_error that lists them all with file, line and key path.
#include "app/input_files.hpp"

#include "app/commands.hpp"
#include "mapping/order_reader.hpp"

namespace tixsync::app {
namespace {

const std::string byte_order_mark = "\xEF\xBB\xBF";
constexpr std::size_t max_problems_shown = 100;

bool starts_with_bom(const std::string& text, std::size_t at = 0) {
  return text.compare(at, byte_order_mark.size(), byte_order_mark) == 0;
}

/// Where the content of a line starts (after blanks), npos for a blank line.
std::size_t content_start(const std::string& line) {
  return line.find_first_not_of(" \t\r");
}

}  // namespace

void problem_list::add(std::string problem) {
  if (shown_.size() < max_problems_shown) shown_.push_back(std::move(problem));
  ++count_;
}

void problem_list::fail(const std::string& title) const {
  std::string message = title.empty() && count_ > 1 ? std::to_string(count_) + " problems:" : title;
  for (const auto& p : shown_) message += (message.empty() ? "" : "\n  ") + p;
  if (count_ > shown_.size()) {
    message += "\n  ... and " + std::to_string(count_ - shown_.size()) + " more";
  }
  throw command_error(exit_bad_input, message);
}

std::string read_file(const std::string& path) {
  std::string error;
  auto text = config::read_input_file(path, config::max_input_file_bytes, error);
  if (!text) throw command_error(exit_bad_input, error);
  return std::move(*text);
}

mapping::event_bundle load_event_bundle(const std::string& path) {
  mapping::order_reader reader;
  mapping::event_bundle event;
  mapping::read_error error;
  if (!reader.read_event_bundle(read_file(path), event, error)) {
    problem_list problems;
    problems.add(path + ": " + error.to_string());
    problems.fail();
  }
  return event;
}

order_file::order_file(const std::string& path) : path_(path), file_(path) {
  if (!file_.ok())
    throw command_error(exit_bad_input, "cannot read " + path + ": " + file_.error());
  // JSON lines: more than one non-empty line, each an object (a BOM is reported later, by line).
  int objects = 0;
  std::string line;
  bool too_long = false;
  while (file_.next_line(line, mapping::max_order_bytes, too_long)) {
    std::size_t start = content_start(line);
    if (start == std::string::npos) continue;
    if (starts_with_bom(line, start)) start += byte_order_mark.size();
    if (start >= line.size() || line[start] != '{') return;
    ++objects;
  }
  json_lines_ = objects > 1;
}

void order_file::for_each_line(const std::function<void(order_text&)>& each) {
  file_.rewind();
  std::string line;
  bool too_long = false;
  while (file_.next_line(line, mapping::max_order_bytes, too_long)) {
    if (file_.line_number() == 1 && starts_with_bom(line)) line.erase(0, byte_order_mark.size());
    const std::size_t start = content_start(line);
    if (start == std::string::npos && !too_long) continue;
    order_text order{path_ + ":" + std::to_string(file_.line_number()), "", ""};
    if (too_long) {
      order.problem = "the order is longer than the " +
                      config::format_bytes(mapping::max_order_bytes) + " an order may have";
    } else if (starts_with_bom(line, start)) {
      order.problem =
          "a UTF-8 byte order mark (BOM) starts this line; only the start of the file may have one";
    } else {
      order.json = std::move(line);
    }
    each(order);
  }
  if (!file_.error().empty()) {
    throw command_error(exit_bad_input, "cannot read " + path_ + ": " + file_.error());
  }
}

void order_file::for_each(const std::function<void(order_text&)>& each) {
  if (json_lines_) return for_each_line(each);
  order_text order{path_, "", ""};
  file_.rewind();
  if (file_.size() > mapping::max_order_bytes) {
    order.problem = "the file has " + std::to_string(file_.size()) + " bytes, more than the " +
                    config::format_bytes(mapping::max_order_bytes) + " an order may have";
  } else if (auto text = file_.read_all(mapping::max_order_bytes)) {
    order.json = std::move(*text);
  } else {
    order.problem = "cannot read: " + file_.error();
  }
  each(order);
}

std::vector<loaded_order> load_orders(const std::string& path) {
  order_file file(path);
  mapping::order_reader reader;
  std::vector<loaded_order> orders;
  problem_list problems;
  file.for_each([&](order_text& text) {
    loaded_order loaded{text.origin, {}, std::move(text.json)};
    mapping::read_error error;
    if (!text.problem.empty()) {
      problems.add(text.origin + ": " + text.problem);
    } else if (reader.read_order(loaded.json, loaded.order, error)) {
      orders.push_back(std::move(loaded));
    } else {
      problems.add(text.origin + ": " + error.to_string());
    }
  });
  if (!problems.empty()) problems.fail();
  return orders;
}

std::vector<mapping::mapping_definition> load_mappings(const std::string& path,
                                                       const mapping::field_catalogue& catalogue) {
  const std::string text = read_file(path);
  auto document = mapping::json::parse(text, nullptr, false);
  problem_list problems;
  if (document.is_discarded()) {
    // Parse again with exceptions to get nlohmann's message with the byte position.
    try {
      const auto reparsed = mapping::json::parse(text);
      static_cast<void>(reparsed);
    } catch (const mapping::json::exception& e) {
      problems.add(path + ": not valid JSON: " + e.what());
      problems.fail();
    }
  }
  std::vector<mapping::mapping_problem> found;
  auto mappings = mapping::parse_mappings(document, found);
  mapping::validate_mappings(mappings, catalogue, found);
  for (const auto& p : found) problems.add(path + ": " + p.to_string());
  if (!problems.empty()) problems.fail();
  return mappings;
}

}  // namespace tixsync::app
