// Reads the tests/data/ fixtures for the fuzz targets and drives the mapping engine over every
// catalogue field, so fuzzed orders and events reach each getter, value map and joiner.
#include "fuzz/fuzz_fixtures.hpp"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

#include "mapping/order_reader.hpp"

#ifndef TIXSYNC_FUZZ_DATA_DIR
#error "TIXSYNC_FUZZ_DATA_DIR must name the tests/data directory"
#endif

namespace tixsync::fuzz {
namespace {

using mapping::json;

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "fuzz fixtures: %s\n", what.c_str());
  std::abort();
}

/// Renders a value as the providers do, strictly: input read by simdjson is valid UTF-8, so a
/// value that is not (a string cut inside a character) is a bug in the getter that made it.
void check_utf8(const json& value, const std::string& what) {
  try {
    (void)value.dump();
  } catch (const json::type_error& e) {
    fail(what + ": " + e.what());
  }
}

std::string read_file(const std::string& name) {
  const std::string path = std::string(TIXSYNC_FUZZ_DATA_DIR) + "/" + name;
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("cannot open " + path);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

fixtures* read_fixtures() {
  auto* f = new fixtures;
  mapping::order_reader reader;
  mapping::read_error error;
  if (!reader.read_event_bundle(read_file("event.json"), f->event, error)) {
    fail("event.json: " + error.to_string());
  }
  std::istringstream lines(read_file("orders.jsonl"));
  for (std::string line; std::getline(lines, line);) {
    if (line.empty()) continue;
    mapping::order o;
    if (!reader.read_order(line, o, error)) fail("orders.jsonl: " + error.to_string());
    f->orders.push_back(std::move(o));
  }
  if (f->orders.empty()) fail("orders.jsonl has no orders");
  f->catalogue = std::make_unique<mapping::field_catalogue>(f->event);

  const json document = json::parse(read_file("mappings-example.json"), nullptr, false);
  if (document.is_discarded()) fail("mappings-example.json is not JSON");
  std::vector<mapping::mapping_problem> problems;
  f->example_mappings = mapping::parse_mappings(document, problems);
  mapping::validate_mappings(f->example_mappings, *f->catalogue, problems);
  if (!problems.empty()) fail("mappings-example.json: " + problems.front().to_string());
  return f;
}

/// One field value; the documented errors are a normal result for fuzzed data.
void evaluate_field(const mapping::field_catalogue& catalogue, const mapping::source_field& field,
                    const mapping::field_inputs& inputs, const json& value_map,
                    const mapping::evaluation_options& options) {
  try {
    check_utf8(mapping::field_value(catalogue, field.key, inputs, value_map, options),
               "field " + field.key);
  } catch (const mapping::sync_config_error&) {
  } catch (const mapping::field_internal_error&) {
  }
}

/// Every field the inputs allow, once with the field's full value map and the default joiner,
/// once without a map as a native list.
void evaluate_fields(const mapping::field_catalogue& catalogue,
                     const mapping::field_inputs& inputs) {
  mapping::evaluation_options joined;
  mapping::evaluation_options native;
  native.list_joiner = std::nullopt;
  for (const auto& field : catalogue.fields()) {
    const bool needs_position = field.input == mapping::field_input::position ||
                                field.input == mapping::field_input::event_or_subevent;
    if (needs_position && !inputs.position) continue;
    evaluate_field(catalogue, field, inputs, option_value_map(field), joined);
    evaluate_field(catalogue, field, inputs, json(), native);
  }
}

}  // namespace

const fixtures& load_fixtures() {
  // Leaked on purpose: lives for the whole fuzzing process, and LeakSanitizer ignores objects
  // still reachable from a static.
  static const fixtures* const loaded = read_fixtures();
  return *loaded;
}

json option_value_map(const mapping::source_field& field) {
  if (field.options.empty()) return json();
  json map = json::object();
  for (const auto& [identifier, label] : field.options) map[identifier] = "mapped " + label;
  return map;
}

void evaluate_every_field(const mapping::field_catalogue& catalogue, const mapping::order& order,
                          const mapping::event_bundle& event,
                          const mapping::evaluation_context& context, std::size_t max_positions) {
  mapping::field_inputs inputs;
  inputs.order = &order;
  inputs.event = &event;
  inputs.context = &context;
  evaluate_fields(catalogue, inputs);
  for (std::size_t i = 0; i < order.positions.size() && i < max_positions; ++i) {
    const mapping::position& position = order.positions[i];
    inputs.position = &position;
    inputs.subevent = position.subevent ? event.find_subevent(*position.subevent) : nullptr;
    evaluate_fields(catalogue, inputs);
  }
}

void evaluate_mappings(const std::vector<mapping::mapping_definition>& mappings,
                       const mapping::order& order, const mapping::event_bundle& event,
                       const mapping::field_catalogue& catalogue,
                       const mapping::evaluation_context& context) {
  mapping::evaluation_options native;
  native.list_joiner = std::nullopt;
  for (const auto& options : {mapping::evaluation_options{}, native}) {
    try {
      for (const auto& object :
           mapping::evaluate_order(mappings, order, event, catalogue, context, options)) {
        check_utf8(mapping::to_json(object), "object of mapping " + std::to_string(object.mapping_id));
        (void)object.skipped();
      }
    } catch (const mapping::sync_config_error&) {
    } catch (const mapping::field_internal_error&) {
    }
  }
}

}  // namespace tixsync::fuzz
