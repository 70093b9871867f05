// The node options' helpers: the thread counts by the machine's cores, the object actions the
// metrics count, and the connection options of the node's Redis endpoint.
#include "actors/node_options.hpp"

#include <algorithm>
#include <thread>

namespace tixsync::actors {

std::size_t actor_threads_for(std::size_t configured) {
  if (configured > 0) return configured;
  // The node's HTTP I/O thread, its store threads, Redis and the other nodes need the cores as
  // much as the actors do, and each extra idle actor thread costs wake-ups: on 2 cores one actor
  // thread took 10-15 % less CPU per order than CAF's default of 4 (bench/README.md).
  const std::size_t cores = std::max(1u, std::thread::hardware_concurrency());
  return std::clamp<std::size_t>(cores / 2, 1, 4);
}

std::size_t store_threads_for(std::size_t configured) {
  if (configured > 0) return configured;
  // One store thread runs one claim cycle at a time: bigger batches, fewer Redis commands and
  // wake-ups per order (4.6 instead of 5.3 commands; bench/README.md). A second one hides Redis
  // round trips where there are cores to spare.
  return std::thread::hardware_concurrency() <= 2 ? 1 : 2;
}

const char* to_string(object_action action) {
  switch (action) {
    case object_action::created:
      return "created";
    case object_action::updated:
      return "updated";
    case object_action::nothing_to_do:
      return "nothing_to_do";
    case object_action::synced:
      return "synced";
    case object_action::unchanged:
      return "unchanged";
    case object_action::empty:
      return "empty";
  }
  return "synced";
}

object_action action_of(bool provider_called, const mapping::sync_result* result) {
  if (!result) return object_action::empty;
  if (!provider_called) return object_action::unchanged;
  // sync_info["action"] compared in place: no copy of the string per object.
  if (!result->sync_info.is_object()) return object_action::synced;
  const auto it = result->sync_info.find("action");
  if (it == result->sync_info.end() || !it->is_string()) return object_action::synced;
  const auto& action = it->get_ref<const std::string&>();
  // pretix's example providers say "create"/"update", the REST provider "created"/"updated".
  if (action == "created" || action == "create") return object_action::created;
  if (action == "updated" || action == "update") return object_action::updated;
  if (action == "nothing_to_do") return object_action::nothing_to_do;
  return object_action::synced;
}

persistence::connection_options connection_of(const redis_endpoint& e) {
  persistence::connection_options c;
  c.host = e.host;
  c.port = e.port;
  c.unix_socket = e.unix_socket;
  c.username = e.username;
  c.password = e.password;
  c.db = e.db;
  c.failover = e.failover;
  return c;
}

}  // namespace tixsync::actors
