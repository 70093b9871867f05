// A Redis Sentinel setup for failover tests: a master, a replica and three sentinels, each a real
// redis-server process (`--sentinel` for the sentinels) on free loopback ports in temporary
// folders, with short down-after and failover timeouts so a failover takes a few seconds. A wait
// that runs out says which step it waited for and what the sentinels and servers last answered.
// Everything is stopped by PID (redis_server). Compile redis_sentinel.cpp into the test; it
// needs tixsync_persistence.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "persistence/redis_connection.hpp"
#include "tests/support/redis_server.hpp"

namespace tixsync::testing {

struct sentinel_group_options {
  std::string master_name = "tixsync-master";
  /// Sentinel down-after-milliseconds. A sentinel promotes only a replica whose link to the
  /// master has been down for less than 10 times this plus the time since it saw the master
  /// down: the margin for a stall of the machine between the master's death and that moment.
  std::chrono::milliseconds down_after{2000};
  std::chrono::milliseconds failover_timeout{3000};  ///< sentinel failover-timeout
  /// How long a sentinel stays in TILT mode, acting on nothing, after its timer was late by
  /// more than 2 s (a stalled machine); SENTINEL DEBUG tilt-period. Redis's default, 30 s,
  /// outlasts the margin above: a master that dies then is never replaced.
  std::chrono::milliseconds tilt_period{5000};
};

/// The outcome of a bounded wait on the sentinels, for an assertion message: on failure, which
/// step's wait ran out after how long, the steps reached before it, what each sentinel and server
/// answered then and the last lines of their logs.
struct sentinel_wait {
  std::string failure;  ///< empty on success
  std::string steps;    ///< the steps reached and when, also on success
  explicit operator bool() const { return failure.empty(); }
};

/// Two data servers (server 0 starts as the master, server 1 as its replica) and three
/// sentinels monitoring them with quorum 2.
class redis_sentinel_group {
 public:
  /// Starts everything and waits (bounded) until every sentinel knows the replica and the other
  /// sentinels; throws std::runtime_error saying what was missing when that does not happen.
  explicit redis_sentinel_group(sentinel_group_options options = {});
  ~redis_sentinel_group();

  const std::string& master_name() const { return options_.master_name; }
  redis_server& server(int i) { return *servers_.at(i); }
  redis_server& sentinel(int i) { return *sentinels_.at(i); }
  /// The TOML array of the sentinels' addresses: ["127.0.0.1:P1", ...].
  std::string sentinels_toml() const;
  /// Connection options that find the master through the sentinels (min_replicas_acked 1).
  persistence::connection_options connection() const;

  /// The index of the server the first answering sentinel names as master; -1 when none does.
  int named_master();
  /// Whether server `i` answers ROLE with "master".
  bool is_master(int i);
  /// Waits until every sentinel is ready to replace the master, sends SENTINEL FAILOVER and
  /// waits until another server is named master and has taken the role.
  sentinel_wait fail_over(std::chrono::seconds limit);
  /// Waits until every sentinel is ready to replace the master, then SIGKILLs it and waits until
  /// every sentinel names the replica and it is master; then starts the killed server again as
  /// an operator would (the sentinels make it the new master's replica) and waits until they
  /// know it so. All within `limit`.
  sentinel_wait kill_master(std::chrono::seconds limit);
  /// Waits until the sentinels see `replica` as a connected replica of the named master.
  sentinel_wait wait_replica_known(int replica, std::chrono::seconds limit);
  /// What each sentinel and server answers now and the last lines of their logs.
  std::string report();

 private:
  class steps;
  persistence::redis_value ask(int sentinel, const std::vector<std::string>& argv);
  bool link_up(int replica);
  bool replica_known(int replica);
  bool names(int sentinel, int server);
  bool sentinel_ready(int sentinel, int master, int replica);
  bool ready_to_fail_over(int master, int replica);
  bool all_name(int server);
  /// The master's index once every sentinel is ready to replace it; -1 when `done` ran out.
  int wait_ready(steps& done);
  bool master_moved(int from);
  bool master_flagged(const std::string& flag);
  sentinel_wait failed(const steps& done);

  sentinel_group_options options_;
  std::vector<std::unique_ptr<redis_server>> servers_;
  std::vector<std::unique_ptr<redis_server>> sentinels_;
};

}  // namespace tixsync::testing
