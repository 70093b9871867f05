// Micro-benchmark of the hot path of one sync: parse a pretix order (simdjson) and evaluate a
// realistic mapping set (examples/mappings.json: one Order mapping with 6 properties, one
// OrderPosition mapping with 8) against it. Target: >= 100,000 orders/s on one core.
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "mapping/evaluate.hpp"
#include "mapping/order_reader.hpp"

namespace {

using namespace tixsync::mapping;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("missing " + path);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

/// The fixture event, mappings and orders, loaded once.
struct bench_data {
  event_bundle event;
  std::vector<std::string> orders;  ///< raw JSON, one per fixture order
  std::vector<int> position_counts;
  std::vector<mapping_definition> mappings;

  bench_data() {
    order_reader reader;
    read_error error;
    if (!reader.read_event_bundle(read_file(std::string(TIXSYNC_TEST_DATA_DIR) + "/event.json"),
                                  event, error)) {
      throw std::runtime_error(error.to_string());
    }
    std::istringstream lines(read_file(std::string(TIXSYNC_TEST_DATA_DIR) + "/orders.jsonl"));
    for (std::string line; std::getline(lines, line);) {
      if (line.empty()) continue;
      order parsed;
      if (!reader.read_order(line, parsed, error)) throw std::runtime_error(error.to_string());
      orders.push_back(line);
      position_counts.push_back(static_cast<int>(parsed.positions.size()));
    }
    std::vector<mapping_problem> problems;
    mappings = parse_mappings(
        json::parse(read_file(std::string(TIXSYNC_EXAMPLES_DIR) + "/mappings.json")), problems);
    if (!problems.empty()) throw std::runtime_error(problems.front().to_string());
  }

  /// Orders with exactly `positions` positions (all orders when 0).
  std::vector<const std::string*> select(int positions) const {
    std::vector<const std::string*> out;
    for (std::size_t i = 0; i < orders.size(); ++i) {
      if (positions == 0 || position_counts[i] == positions) out.push_back(&orders[i]);
    }
    return out;
  }
};

const bench_data& data() {
  static const bench_data loaded;
  return loaded;
}

void BM_parse_order(benchmark::State& state) {
  auto orders = data().select(0);
  order_reader reader;
  read_error error;
  order parsed;
  std::size_t i = 0, bytes = 0;
  for (auto _ : state) {
    const std::string& json = *orders[i++ % orders.size()];
    if (!reader.read_order(json, parsed, error)) state.SkipWithError(error.message.c_str());
    bytes += json.size();
    benchmark::DoNotOptimize(parsed);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_parse_order);

/// Parse + evaluate; the argument selects orders by position count (0 = all 20 fixture orders).
void BM_parse_and_evaluate(benchmark::State& state) {
  const auto& d = data();
  auto orders = d.select(static_cast<int>(state.range(0)));
  field_catalogue catalogue(d.event);
  evaluation_context context;
  evaluation_options options;
  order_reader reader;
  read_error error;
  order parsed;
  std::size_t i = 0, objects = 0;
  for (auto _ : state) {
    if (!reader.read_order(*orders[i++ % orders.size()], parsed, error)) {
      state.SkipWithError(error.message.c_str());
      break;
    }
    auto evaluated = evaluate_order(d.mappings, parsed, d.event, catalogue, context, options);
    objects += evaluated.size();
    benchmark::DoNotOptimize(evaluated);
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["objects_per_order"] =
      static_cast<double>(objects) / static_cast<double>(std::max<int64_t>(1, state.iterations()));
}
BENCHMARK(BM_parse_and_evaluate)->Arg(0)->Arg(1)->Arg(2)->Arg(3)->Arg(4);

void BM_build_catalogue(benchmark::State& state) {
  for (auto _ : state) {
    field_catalogue catalogue(data().event);
    benchmark::DoNotOptimize(catalogue);
  }
}
BENCHMARK(BM_build_catalogue);

}  // namespace

BENCHMARK_MAIN();
