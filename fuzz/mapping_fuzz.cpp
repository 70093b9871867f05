// libFuzzer target for mapping/mapping_definition and mapping/evaluate: the input is a mapping
// document (JSON). parse_mappings and validate_mappings must report problems, never crash; a
// document that parses cleanly is evaluated against every fixture order of tests/data/.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "fuzz/fuzz_fixtures.hpp"
#include "mapping/mapping_definition.hpp"

namespace {

using namespace tixsync;

void check_problems(const std::vector<mapping::mapping_problem>& problems) {
  for (const auto& problem : problems) {
    if (problem.message.empty()) {
      std::fprintf(stderr, "mapping problem without a message at \"%s\"\n", problem.path.c_str());
      std::abort();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  (void)fuzz::load_fixtures();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const fuzz::fixtures& f = fuzz::load_fixtures();
  const char* begin = reinterpret_cast<const char*>(data);
  // Mappings arrive as JSON from the config and the API; not-JSON is rejected before this layer.
  const mapping::json document = mapping::json::parse(begin, begin + size, nullptr, false);
  if (document.is_discarded()) return 0;

  std::vector<mapping::mapping_problem> problems;
  const auto mappings = mapping::parse_mappings(document, problems);
  check_problems(problems);
  if (!problems.empty()) return 0;

  mapping::validate_mappings(mappings, *f.catalogue, problems);
  check_problems(problems);
  // Invalid mappings are evaluated too: evaluate must turn an unknown field or a short value map
  // into a sync_config_error on its own, as it does for mappings changed after validation.
  for (const auto& order : f.orders) {
    fuzz::evaluate_mappings(mappings, order, f.event, *f.catalogue, f.context);
  }
  return 0;
}
