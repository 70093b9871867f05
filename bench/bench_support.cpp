// Realistic orders, CPU time, percentiles and the end of option parsing for the node benchmarks.
#include "bench/bench_support.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "tests/support/test_data.hpp"

namespace tixsync::bench {

std::string order_code(const std::string& prefix, std::size_t i) {
  return prefix + std::to_string(1000000 + i);
}

std::vector<std::string> make_orders(const std::string& prefix, std::size_t n) {
  return make_orders(prefix, n, 2, "ndd25");
}

std::vector<std::string> make_orders(const std::string& prefix, std::size_t n,
                                     std::size_t positions, const std::string& event,
                                     std::size_t first) {
  if (positions == 0 || positions > 1000) {
    throw std::invalid_argument("make_orders: positions must be 1..1000, got " +
                                std::to_string(positions));
  }
  // K3ZPA: paid, with an invoice address; its position has name parts and three answers.
  nlohmann::json model = nlohmann::json::parse(testing::read_test_data_lines("orders.jsonl").at(0));
  const nlohmann::json position = model["positions"][0];
  model["event"] = event;
  std::vector<std::string> out;
  out.reserve(n);
  for (std::size_t i = first; i < first + n; ++i) {
    const std::string code = order_code(prefix, i);
    model["code"] = code;
    nlohmann::json list = nlohmann::json::array();
    for (std::size_t p = 1; p <= positions; ++p) {
      nlohmann::json copy = position;
      copy["id"] = 20000000 + p;
      copy["positionid"] = p;
      copy["order"] = code;
      list.push_back(std::move(copy));
    }
    model["positions"] = std::move(list);
    out.push_back(model.dump());
  }
  return out;
}

std::string make_event(const std::string& slug) {
  nlohmann::json event = nlohmann::json::parse(testing::read_test_data("event.json"));
  event["event"]["slug"] = slug;
  return event.dump();
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

void help_or_unknown_option(const char* program, const std::string& arg, const char* usage) {
  if (arg == "--help" || arg == "-h") {
    std::fputs(usage, stdout);
    std::exit(0);
  }
  std::fprintf(stderr, "%s: unknown option %s\n%s", program, arg.c_str(), usage);
  std::exit(2);
}

}  // namespace tixsync::bench
