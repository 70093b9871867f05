// scale_bench: the whole product at scale on one machine, as processes: a private
// redis-server (AOF, appendfsync everysec), `tixsync mock-crm` with latency L and K `tixsync
// run` nodes; N synthetic orders of P positions enqueued through the persistence library; waits
// until the queue is empty, verifies the mock's objects (each created once) and prints one JSON
// line and a short table. Not part of the test suite; see bench/README.md, "Proof at scale".
//   scale_bench [--scenario backlog|resync|fairness|rate] [--orders N] [--positions P]
//               [--latency-ms L] [--nodes K] [--rate R --seconds S] [--change-detection]
//               [--resync-changed] [--trickle-rate R] [--trickle-events E] [--quick]
//               [--node-concurrency C] [--claim-batch B] [--max-connections M] [--mock-threads T]
//               [--timeout S]
//               [--scheduler-threads T] [--store-threads T] (each node's [node] settings)
//               [--label TEXT] [--out FILE] [--keep]
//   scale_bench --compare A.json B.json
#include <cstdio>
#include <fstream>
#include <set>
#include <stdexcept>
#include <string>

#include "bench/bench_support.hpp"
#include "bench/scale/report.hpp"
#include "bench/scale/scenarios.hpp"

namespace {

using namespace tixsync::bench::scale;

const char* const usage =
    "usage: scale_bench [--scenario backlog|resync|fairness|rate] [--orders N] [--positions P]\n"
    "                   [--latency-ms L] [--nodes K] [--rate R] [--seconds S]\n"
    "                   [--change-detection] [--resync-changed] [--trickle-rate R]\n"
    "                   [--trickle-events E] [--quick] [--node-concurrency C] [--claim-batch B]\n"
    "                   [--max-connections M]\n"
    "                   [--mock-threads T] [--timeout SECONDS] [--label TEXT] [--out FILE]\n"
    "                   [--keep] [--binary PATH] [--scheduler-threads T] [--store-threads T]\n"
    "       scale_bench --compare A.json B.json\n";

struct command_line {
  scale_options options;
  int timeout_s = 600;
  bool quick = false;
  std::string out;
  std::vector<std::string> compare;
  std::set<std::string> given;
};

[[noreturn]] void bad(const std::string& message) {
  std::fprintf(stderr, "scale_bench: %s\n%s", message.c_str(), usage);
  std::exit(2);
}

double number(const std::string& flag, const std::string& text, double min, double max) {
  std::size_t used = 0;
  double v = 0;
  try {
    v = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() || v < min || v > max) {
    char range[64];
    std::snprintf(range, sizeof range, "%g to %g", min, max);
    bad(flag + ": expected a number from " + range + ", got '" + text + "'");
  }
  return v;
}

command_line parse(int argc, char** argv) {
  command_line c;
  c.options.binary = TIXSYNC_BINARY;
  auto& o = c.options;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) bad(a + " needs a value");
      return argv[++i];
    };
    c.given.insert(a);
    if (a == "--scenario")
      o.scenario = value();
    else if (a == "--orders")
      o.orders = static_cast<std::size_t>(number(a, value(), 1, 1e7));
    else if (a == "--positions")
      o.positions = static_cast<std::size_t>(number(a, value(), 1, 1000));
    else if (a == "--latency-ms")
      o.latency_ms = static_cast<int>(number(a, value(), 0, 60000));
    else if (a == "--nodes")
      o.nodes = static_cast<int>(number(a, value(), 1, 64));
    else if (a == "--rate")
      o.rate = number(a, value(), 1, 1e6);
    else if (a == "--seconds")
      o.seconds = number(a, value(), 0.1, 3600);
    else if (a == "--change-detection")
      o.change_detection = true;
    else if (a == "--resync-changed")
      o.resync_changed = true;
    else if (a == "--trickle-rate")
      o.trickle_rate = number(a, value(), 0.1, 10000);
    else if (a == "--trickle-events")
      o.trickle_events = static_cast<int>(number(a, value(), 1, 99));
    else if (a == "--node-concurrency")
      o.node_concurrency = static_cast<int>(number(a, value(), 1, 100000));
    else if (a == "--claim-batch")
      o.claim_batch = static_cast<int>(number(a, value(), 1, 1000));
    else if (a == "--max-connections")
      o.max_connections = static_cast<int>(number(a, value(), 1, 100000));
    else if (a == "--scheduler-threads")
      o.scheduler_threads = static_cast<int>(number(a, value(), 0, 64));
    else if (a == "--store-threads")
      o.store_threads = static_cast<int>(number(a, value(), 0, 16));
    else if (a == "--mock-threads")
      o.mock_threads = static_cast<int>(number(a, value(), 1, 64));
    else if (a == "--timeout")
      c.timeout_s = static_cast<int>(number(a, value(), 1, 86400));
    else if (a == "--label")
      o.label = value();
    else if (a == "--out")
      c.out = value();
    else if (a == "--keep")
      o.keep_dir = true;
    else if (a == "--binary")
      o.binary = value();
    else if (a == "--quick")
      c.quick = true;
    else if (a == "--compare") {
      c.compare.push_back(value());
      c.compare.push_back(value());
    } else {
      tixsync::bench::help_or_unknown_option("scale_bench", a, usage);
    }
  }
  // --quick: small numbers for a smoke run, unless given explicitly.
  if (c.quick) {
    if (!c.given.count("--orders")) o.orders = o.scenario == "fairness" ? 5000 : 2000;
    if (!c.given.count("--rate")) o.rate = 300;
    if (!c.given.count("--seconds")) o.seconds = 5;
  } else if (o.scenario == "fairness" && !c.given.count("--orders")) {
    o.orders = 100000;
  }
  return c;
}

}  // namespace

int main(int argc, char** argv) {
  const command_line c = parse(argc, argv);
  if (!c.compare.empty()) {
    try {
      print_compare(read_run(c.compare[0]), read_run(c.compare[1]), c.compare[0], c.compare[1],
                    stdout);
      return 0;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "scale_bench: %s\n", e.what());
      return 2;
    }
  }
  run_deadline::catch_interrupts();
  const run_deadline deadline{std::chrono::seconds(c.timeout_s)};
  nlohmann::json figures;
  try {
    figures = run_scenario(c.options, deadline);
  } catch (const std::invalid_argument& e) {
    bad(e.what());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "scale_bench: %s\n", e.what());
    return 1;
  }
  const std::string line = figures.dump();
  std::printf("%s\n", line.c_str());
  if (!c.out.empty()) std::ofstream(c.out, std::ios::app) << line << "\n";
  print_table(figures, stdout);
  return figures.value("ok", false) ? 0 : 1;
}
