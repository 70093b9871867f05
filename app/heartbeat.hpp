// The node's heartbeat for `tixsync run`: `tixsync jobs --nodes` (and redis-cli) tell live nodes
// from gone ones by it. Its beats are written on a worker pool of one thread (`tx-beat-0`), so the
// signal loop that ticks it never waits on Redis; the leave at a graceful stop is written by the
// stopping thread, after the beats.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "actors/node_stats.hpp"
#include "persistence/keys.hpp"
#include "persistence/node_registry.hpp"
#include "persistence/redis_connection.hpp"
#include "persistence/worker_pool.hpp"

namespace tixsync::app {

class heartbeat {
 public:
  /// Beats are written this often and live this long: a node that stops beating (killed) is
  /// shown as gone after the time-to-live.
  static constexpr std::chrono::milliseconds interval{2000};
  static constexpr std::chrono::milliseconds ttl{10000};

  /// `beat`: what the node says about itself (name, host, pid, providers, ...); `log`: warnings
  /// about beats not written.
  heartbeat(persistence::connection_options redis, persistence::key_space keys,
            persistence::node_heartbeat beat, std::function<void(const std::string&)> log);

  /// Posts a beat with the node's current counters when one is due. A beat still waiting for
  /// Redis is not doubled: the due one is skipped.
  void tick(const actors::node_stats& stats);
  /// Removes the node's heartbeat (a graceful stop): the beats already posted are written first,
  /// then the leave, on the calling thread, waiting for Redis at most its command timeout.
  void leave();
  /// Stops the thread after the beat it is writing, leaving the heartbeat to expire.
  void stop();

 private:
  struct beat_writer {
    beat_writer(const persistence::connection_options& redis, const persistence::key_space& keys);
    persistence::redis_connection connection;
    persistence::node_registry nodes;
  };

  persistence::connection_options redis_;
  persistence::key_space keys_;
  persistence::node_heartbeat beat_;
  std::function<void(const std::string&)> log_;
  std::int64_t next_beat_ms_ = 0;
  persistence::worker_pool<beat_writer> pool_;
};

}  // namespace tixsync::app
