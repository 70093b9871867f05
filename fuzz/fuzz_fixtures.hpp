// The fixed data the fuzz targets evaluate against: the event bundle, orders and mappings of
// tests/data/, read once per process, and a driver that evaluates every catalogue field for one
// order so each getter sees fuzzed data. Errors the mapping engine documents are expected.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

#include "mapping/evaluate.hpp"
#include "mapping/mapping_definition.hpp"
#include "mapping/order.hpp"
#include "mapping/source_fields.hpp"

namespace tixsync::fuzz {

/// The fixtures of tests/data/ (directory TIXSYNC_FUZZ_DATA_DIR), parsed and validated.
struct fixtures {
  mapping::event_bundle event;
  std::vector<mapping::order> orders;  ///< orders.jsonl, in file order
  std::unique_ptr<mapping::field_catalogue> catalogue;  ///< of `event`
  std::vector<mapping::mapping_definition> example_mappings;  ///< mappings-example.json
  mapping::evaluation_context context;
};

/// Loads the fixtures on first use; prints what is wrong and aborts when one is missing or does
/// not read cleanly (a broken fixture would make every fuzz input look uninteresting).
const fixtures& load_fixtures();

/// A value map from every option identifier of `field` to a replacement, or null when the field
/// has no options.
mapping::json option_value_map(const mapping::source_field& field);

/// Evaluates every field of `catalogue` for the order (fields an Order mapping can read) and for
/// each of its first `max_positions` positions (all fields), with and without value maps, joined
/// and as native lists. sync_config_error and field_internal_error are the engine's documented
/// outcomes and are swallowed; anything else escapes and the fuzzer reports it.
void evaluate_every_field(const mapping::field_catalogue& catalogue, const mapping::order& order,
                          const mapping::event_bundle& event,
                          const mapping::evaluation_context& context, std::size_t max_positions);

/// Evaluates `mappings` for the order with the default joiner and with native lists, and renders
/// every object with to_json. Swallows the documented errors like evaluate_every_field.
void evaluate_mappings(const std::vector<mapping::mapping_definition>& mappings,
                       const mapping::order& order, const mapping::event_bundle& event,
                       const mapping::field_catalogue& catalogue,
                       const mapping::evaluation_context& context);

}  // namespace tixsync::fuzz
