// One benchmark fleet on this machine: a private redis-server (temporary folder, free port, AOF
// with appendfsync everysec), `tixsync mock-crm` with latency L, and K `tixsync run` node
// processes with a generated config (one REST provider on the mock: Order -> order,
// OrderPosition -> ticket). The driver enqueues through the persistence library, polls the
// queue, and reads each order's synced time from its audit log. Everything it starts it stops
// by PID (destructors, also on exceptions); every wait checks the run's deadline.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "bench/scale/processes.hpp"
#include "persistence/redis_connection.hpp"
#include "tests/support/redis_server.hpp"

namespace tixsync::bench::scale {

/// How the nodes and the mock are set up.
struct fleet_settings {
  std::string binary;             ///< the tixsync program
  int latency_ms = 20;            ///< mock-crm --latency-ms
  int mock_threads = 1;           ///< mock-crm --threads
  bool change_detection = false;  ///< [[providers]] change_detection
  int node_concurrency = 2000;    ///< [node] concurrency
  int claim_batch = 1000;         ///< [node] claim_batch
  int scheduler_threads = 0;      ///< [node] scheduler_threads (0: by cores)
  int store_threads = 0;          ///< [node] store_threads (0: by cores)
  int call_concurrency = 10000;   ///< [providers.limits] concurrency (calls in flight per node)
  int max_connections = 1000;     ///< [providers.rest] max_connections
  bool keep_dir = false;          ///< keep the folder (configs, logs) after the run
};

/// One order the driver enqueues.
struct bench_order {
  std::string event;
  std::string code;
  std::string json;
};

/// A node's CPU time and peak RSS, read from /proc while it runs.
struct node_reading {
  double cpu_s = 0;
  double peak_rss_bytes = 0;
};

/// The queue of provider "crm" now.
struct queue_state {
  long waiting = 0;  ///< items not in flight (due, scheduled, follow-up, parked)
  long parked = 0;
  long running = 0;  ///< in flight
  long unfinished() const { return waiting - parked + running; }
};

/// What the audit logs say about a set of orders since a time.
struct synced_times {
  std::vector<std::int64_t> at_ms;      ///< per order (same index), 0 when not synced since then
  std::map<std::string, long> entries;  ///< audit entries since then, by "what"
};

class scale_fleet {
 public:
  /// Starts redis-server and the mock; throws std::runtime_error when either cannot start.
  scale_fleet(fleet_settings settings, const run_deadline& deadline);
  /// Stops the nodes, the mock and Redis; removes the folder unless keep_dir.
  ~scale_fleet();
  scale_fleet(const scale_fleet&) = delete;
  scale_fleet& operator=(const scale_fleet&) = delete;

  const std::string& dir() const { return dir_; }
  persistence::redis_connection& redis() { return *connection_; }
  pid_t redis_pid() const { return redis_->pid(); }
  mock_crm_child& crm() { return *crm_; }

  /// Stores the fixture event under `slug` (bench_support::make_event).
  void put_event(const std::string& slug);
  /// Enqueues orders[first, last) with their snapshots, 1000 per enqueue_many; returns the unix
  /// ms at which each batch was acknowledged, per order. Throws on any failure.
  std::vector<std::int64_t> enqueue(const std::vector<bench_order>& orders, std::size_t first,
                                    std::size_t last, const std::string& trigger);
  /// Starts `count` more nodes and waits until each says it is running.
  void start_nodes(int count);
  std::size_t node_count() const { return nodes_.size(); }
  std::vector<pid_t> node_pids() const;
  /// CPU and peak RSS of each node now.
  std::vector<node_reading> read_nodes() const;
  /// SIGTERM to every node, bounded wait; the problems (non-zero exits) as text.
  std::vector<std::string> stop_nodes();

  /// The queue of "crm" (one pipeline of 3 commands; counted as the driver's).
  queue_state queue();
  /// Polls until nothing is unfinished in two polls in a row.
  void wait_drained(const run_deadline& deadline);
  /// The newest "synced" audit entry at or after `since_ms` of each order, and the entries
  /// since then by kind (LRANGE of the audit logs in pipelines of 1000).
  synced_times read_synced(const std::vector<bench_order>& orders, std::int64_t since_ms);

  /// Commands this driver sent to Redis, by name, for subtracting from INFO commandstats.
  const std::map<std::string, double>& driver_calls() const { return driver_calls_; }
  /// Counts `n` commands named `name` as the driver's (e.g. INFO readings).
  void count_driver_call(const std::string& name, double n) { driver_calls_[name] += n; }

 private:
  std::string node_config(const std::string& name) const;

  fleet_settings settings_;
  const run_deadline& deadline_;
  std::string dir_;
  std::unique_ptr<testing::redis_server> redis_;
  std::unique_ptr<persistence::redis_connection> connection_;
  std::unique_ptr<mock_crm_child> crm_;
  std::vector<std::unique_ptr<child_process>> nodes_;
  std::map<std::string, double> driver_calls_;
};

}  // namespace tixsync::bench::scale
