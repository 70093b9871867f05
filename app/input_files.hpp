// Loads the files the offline commands (fields, preview) take: an event bundle, orders (one JSON
// order or a JSON-lines file of many) and mappings. Every problem becomes a command_error whose
// message names the file, the line for JSON lines, and the key path.
#pragma once

#include <string>
#include <vector>

#include "mapping/mapping_definition.hpp"
#include "mapping/order.hpp"

namespace tixsync::app {

/// The whole file; command_error(exit_bad_input) when it cannot be read.
std::string read_file(const std::string& path);

mapping::event_bundle load_event_bundle(const std::string& path);

/// An order and where it came from ("orders.jsonl:7" or "order.json").
struct loaded_order {
  std::string origin;
  mapping::order order;
};

/// Reads one order (a JSON object) or, when the file holds several lines that each start with
/// '{', one order per non-empty line. Reports every bad line at once.
std::vector<loaded_order> load_orders(const std::string& path);

/// Parses and validates mappings against the event's catalogue, reporting every problem at once.
std::vector<mapping::mapping_definition> load_mappings(const std::string& path,
                                                       const mapping::field_catalogue& catalogue);

}  // namespace tixsync::app
