// What the node benchmarks (node_bench, http_bench, scale_bench) share: deterministic realistic
// orders (the fixture's paid order with an invoice address and a position with three answers, its
// position repeated, under new codes), this process's CPU time, percentiles, and the end of their
// option parsing.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace tixsync::bench {

/// The code of synthetic order `i`: `prefix` followed by 1000000 + i.
std::string order_code(const std::string& prefix, std::size_t i);

/// N orders of 2 positions: make_orders(prefix, n, 2, "ndd25"), about 3.9 KB each.
std::vector<std::string> make_orders(const std::string& prefix, std::size_t n);

/// N orders of `positions` positions (1..1000) of event `event`: the first fixture order
/// (tests/data/orders.jsonl, shaped like examples/sample-orders.jsonl: invoice address, e-mail,
/// a position with attendee name parts and three answers) with its position repeated `positions`
/// times (ids 20000001.., positionid 1..P, so ticket
/// ids CODE-1..CODE-P), its "event" set to `event`, under the codes order_code(prefix, first..),
/// as JSON text. Throws std::invalid_argument for 0 or more than 1000 positions.
std::vector<std::string> make_orders(const std::string& prefix, std::size_t n,
                                     std::size_t positions, const std::string& event,
                                     std::size_t first = 0);

/// The fixture event (tests/data/event.json) under the slug `slug`, as JSON text.
std::string make_event(const std::string& slug);

/// User + system CPU seconds of this process, every thread (getrusage).
double self_cpu_seconds();

/// The p-quantile (0..1) of `values` by nearest rank; 0 for none.
double percentile(std::vector<double> values, double p);

/// The end of a benchmark's option parsing for an argument it does not know: "--help" and "-h"
/// print `usage` on stdout and exit 0; anything else prints "<program>: unknown option <arg>" and
/// `usage` on stderr and exits 2, so a mistyped option never starts a long run with defaults.
[[noreturn]] void help_or_unknown_option(const char* program, const std::string& arg,
                                         const char* usage);

/// The median of one figure over several runs of a benchmark.
template <class Run>
double median_of(const std::vector<Run>& runs, double Run::*field) {
  std::vector<double> values;
  for (const auto& run : runs) values.push_back(run.*field);
  return percentile(std::move(values), 0.5);
}

}  // namespace tixsync::bench
