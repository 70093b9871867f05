// Synthetic orders, CPU time and percentiles for the node benchmarks.
#include "bench/bench_support.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "tests/support/test_data.hpp"

namespace tixsync::bench {

std::string order_code(const std::string& prefix, std::size_t i) {
  return prefix + std::to_string(1000000 + i);
}

std::vector<std::string> make_orders(const std::string& prefix, std::size_t n) {
  nlohmann::json model;
  for (const auto& line : testing::read_test_data_lines("orders.jsonl")) {
    model = nlohmann::json::parse(line);
    if (model["positions"].size() == 2) break;
  }
  std::vector<std::string> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    model["code"] = order_code(prefix, i);
    out.push_back(model.dump());
  }
  return out;
}

double self_cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  return values[std::min(values.size() - 1,
                         static_cast<std::size_t>(p * (values.size() - 1) + 0.5))];
}

}  // namespace tixsync::bench
