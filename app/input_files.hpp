// Loads the files the commands take: an event bundle, orders (one JSON order or a JSON-lines file
// of many, read line by line) and mappings. Only regular files are read, with a size cap; every
// problem becomes a command_error whose message names the file, the line for JSON lines, and the
// key path.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "config/input_file.hpp"
#include "mapping/mapping_definition.hpp"
#include "mapping/order.hpp"

namespace tixsync::app {

/// The whole file (a regular file of at most config::max_input_file_bytes);
/// command_error(exit_bad_input) naming the file and why otherwise.
std::string read_file(const std::string& path);

mapping::event_bundle load_event_bundle(const std::string& path);

/// One order of an order file: where it is, its JSON, or why it cannot be read.
struct order_text {
  std::string origin;   ///< "orders.jsonl:7", or "order.json" for a file of one order
  std::string json;     ///< the order as written (empty when `problem` is set)
  std::string problem;  ///< e.g. longer than mapping::max_order_bytes; "" when `json` is usable
};

/// The orders of a file: one JSON order, or JSON lines (more than one non-empty line, each
/// starting with '{'). Read line by line, so a large file never sits in memory whole and no
/// order longer than mapping::max_order_bytes is held. A UTF-8 byte order mark at the start of
/// the file is skipped; one at the start of a later line is a problem of that line.
class order_file {
 public:
  /// Opens `path`; command_error(exit_bad_input) when it is no readable regular file.
  explicit order_file(const std::string& path);

  bool json_lines() const { return json_lines_; }
  /// Calls `each` for every order, from the first (each call reads the file again).
  void for_each(const std::function<void(order_text&)>& each);

 private:
  void for_each_line(const std::function<void(order_text&)>& each);

  std::string path_;
  config::input_file file_;
  bool json_lines_ = false;
};

/// An order and where it came from ("orders.jsonl:7" or "order.json").
struct loaded_order {
  std::string origin;
  mapping::order order;
  std::string json;  ///< as written in the file
};

/// Reads every order of an order_file; reports every bad order at once.
std::vector<loaded_order> load_orders(const std::string& path);

/// Parses and validates mappings against the event's catalogue, reporting every problem at once.
std::vector<mapping::mapping_definition> load_mappings(const std::string& path,
                                                       const mapping::field_catalogue& catalogue);

/// Collects problems for one command_error, listing at most the first 100 (a file of many bad
/// lines would otherwise make a message of its size).
class problem_list {
 public:
  void add(std::string problem);
  bool empty() const { return count_ == 0; }
  /// command_error(exit_bad_input) listing them after `title` (none when "").
  [[noreturn]] void fail(const std::string& title = "") const;

 private:
  std::vector<std::string> shown_;
  std::size_t count_ = 0;
};

}  // namespace tixsync::app
