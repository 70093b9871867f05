// Which nodes are alive: each running node writes a heartbeat (a small JSON document with a
// time-to-live) every few seconds and records the time in an index, so `tixsync jobs --nodes`, the
// dashboard and plain redis-cli can tell live nodes from gone ones, and match leases to nodes.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "persistence/errors.hpp"
#include "persistence/keys.hpp"
#include "persistence/redis_connection.hpp"

namespace tixsync::persistence {

/// What a node says about itself in its heartbeat.
struct node_heartbeat {
  std::string name;  ///< the node's name ([A-Za-z0-9._-]{1,100})
  std::string host;
  std::int64_t pid = 0;
  std::int64_t started_ms = 0;  ///< unix ms
  std::int64_t beat_ms = 0;     ///< unix ms of this heartbeat
  int concurrency = 0;
  std::int64_t in_flight = 0;  ///< orders being synced at the time of the beat
  std::int64_t synced = 0;     ///< orders finished since the node started
  std::vector<std::string> providers;
  std::string http;  ///< the node's HTTP address ("" when it has none)
};

/// A node as listed: its last heartbeat, and whether that heartbeat is still live.
struct node_entry {
  node_heartbeat heartbeat;
  bool alive = false;  ///< the heartbeat key has not expired
};

/// Reads and writes heartbeats. Not thread-safe (like the connection it uses).
class node_registry {
 public:
  node_registry(redis_connection& connection, key_space keys);

  /// Writes `beat` with a time-to-live of `ttl` (a node that stops beating vanishes after it)
  /// and records it in the index. One round trip.
  status beat(const node_heartbeat& beat, std::chrono::milliseconds ttl);
  /// Removes the node's heartbeat (a graceful stop). The index keeps it as gone.
  status leave(const std::string& node);
  /// Every node seen within `forget_after` (newest first), live or not; older index entries are
  /// dropped.
  status_or<std::vector<node_entry>> list(std::int64_t now_ms,
                                          std::chrono::milliseconds forget_after = std::chrono::hours(1));

 private:
  redis_connection& connection_;
  key_space keys_;
};

}  // namespace tixsync::persistence
