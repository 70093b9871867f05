// libFuzzer target for mapping/order_reader: the input is read both as a pretix order and as an
// event bundle. What reads cleanly is then evaluated: a fuzzed order through every field of the
// fixture event's catalogue and through mappings-example.json, a fuzzed event bundle as the
// catalogue and event of a fixture order. A failed read must say what is wrong.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "fuzz/fuzz_fixtures.hpp"
#include "mapping/order_reader.hpp"

namespace {

using namespace tixsync;

void check_error(const mapping::read_error& error, const char* what) {
  if (error.message.empty()) {
    std::fprintf(stderr, "%s failed without a message (path \"%s\")\n", what, error.path.c_str());
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  (void)fuzz::load_fixtures();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const fuzz::fixtures& f = fuzz::load_fixtures();
  // One reader reused across inputs, as a sync worker does; stale state would show up here.
  static mapping::order_reader reader;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  mapping::read_error error;

  mapping::order order;
  if (reader.read_order(input, order, error)) {
    fuzz::evaluate_every_field(*f.catalogue, order, f.event, f.context, 4);
    fuzz::evaluate_mappings(f.example_mappings, order, f.event, *f.catalogue, f.context);
  } else {
    check_error(error, "read_order");
  }

  error = {};
  mapping::event_bundle event;
  if (reader.read_event_bundle(input, event, error)) {
    const mapping::field_catalogue catalogue(event);
    const mapping::order& fixture_order = f.orders[size % f.orders.size()];
    fuzz::evaluate_every_field(catalogue, fixture_order, event, f.context, 4);
    fuzz::evaluate_mappings(f.example_mappings, fixture_order, event, catalogue, f.context);
  } else {
    check_error(error, "read_event_bundle");
  }
  return 0;
}
