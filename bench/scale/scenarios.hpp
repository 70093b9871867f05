// The scenarios of scale_bench: a backlog of N orders synced by K nodes; a re-sync of
// the same orders; a big backlog of one event with a trickle of orders for 20 other events; a
// steady offered rate. Each returns its figures as one JSON object (see bench/README.md).
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>

#include "bench/scale/processes.hpp"

namespace tixsync::bench::scale {

/// Everything a run is told on the command line.
struct scale_options {
  std::string scenario = "backlog";  ///< backlog | resync | fairness | rate
  std::string binary;                ///< the tixsync program
  std::size_t orders = 20000;        ///< backlog orders (fairness: of the big event)
  std::size_t positions = 2;
  int latency_ms = 20;
  int nodes = 1;
  double rate = 1000;   ///< rate: orders/s offered
  double seconds = 20;  ///< rate: how long
  bool change_detection = false;
  bool resync_changed = false;  ///< resync: attendee names and e-mails changed (real updates)
  int trickle_events = 20;      ///< fairness: small events
  double trickle_rate = 20;     ///< fairness: small-event orders/s, over all small events
  int node_concurrency = 2000;
  int claim_batch = 1000;
  int max_connections = 1000;  ///< [providers.rest] max_connections of each node
  int scheduler_threads = 0;  ///< [node] scheduler_threads of each node (0: by cores)
  int store_threads = 0;      ///< [node] store_threads of each node (0: by cores)
  int mock_threads = 1;
  bool keep_dir = false;
  std::string label;  ///< free text copied into the JSON
};

/// Runs `options.scenario`; throws std::runtime_error (after stopping everything it started)
/// when something fails to start or the deadline passes. Wrong counts are reported in the
/// figures ("ok": false, "problems": [...]), not thrown.
nlohmann::json run_scenario(const scale_options& options, const run_deadline& deadline);

}  // namespace tixsync::bench::scale
