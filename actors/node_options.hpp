// What a node is configured with: its options (Redis endpoint, limits, thread counts, timeouts),
// the queue port factory of its store threads, and the observer of its sync events. Plain C++:
// the facade (node.hpp) and the actor runtime both include it.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "mapping/source_fields.hpp"
#include "mapping/sync_result.hpp"
#include "persistence/queue_port.hpp"
#include "persistence/queue_store.hpp"
#include "persistence/redis_connection.hpp"
#include "providers/log_sink.hpp"
#include "providers/retry_policy.hpp"

namespace tixsync::actors {

/// The log types of the whole program (providers/log_sink.hpp), used here unchanged.
using providers::log_level;
using providers::log_sink;
using providers::to_string;

/// Where the node's Redis is.
struct redis_endpoint {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string unix_socket;  ///< when set, used instead of host:port
  std::string username;     ///< ACL user of AUTH (with the password)
  std::string password;     ///< AUTH when non-empty (never logged)
  int db = 0;
  std::string prefix = "tixsync";          ///< key prefix of every key
  persistence::failover_options failover;  ///< sentinels and replica confirmation
};

/// The connection options of an endpoint, for other Redis clients of the same node.
persistence::connection_options connection_of(const redis_endpoint& endpoint);

/// What happened to one object of an order, as the metrics count it: the sync result's action
/// when the provider was called, else why it was not.
enum class object_action : unsigned char {
  created,        ///< provider called; its sync result's action is "created" (or "create")
  updated,        ///< provider called; action "updated" (or "update")
  nothing_to_do,  ///< provider called; action "nothing_to_do"
  synced,         ///< provider called; another action or none
  unchanged,      ///< not called: change detection found the object unchanged
  empty,          ///< not called (empty id value), or the provider returned nothing
};
/// The number of object_action values.
inline constexpr std::size_t object_action_count = 6;
/// "created", "updated", "nothing_to_do", "synced", "unchanged", "empty".
const char* to_string(object_action action);
/// The action of an object's outcome (providers::object_sync_outcome without its error).
object_action action_of(bool provider_called, const mapping::sync_result* result);

/// Observes the node's sync events per provider, for metrics. Called on the node's runtime
/// threads (actors and store threads) concurrently: implementations must be thread-safe and
/// cheap (no blocking, no allocation in the steady state). `provider` is the provider's
/// identifier; the references are valid during the call only.
class sync_observer {
 public:
  virtual ~sync_observer() = default;
  /// An order's completion was stored (synced). `latency`: from its enqueue (the queue item's
  /// trigger time) to now, when the trigger time is known.
  virtual void order_synced(const std::string& provider,
                            std::optional<std::chrono::milliseconds> latency) = 0;
  /// An order was rescheduled after a recoverable failure (stored).
  virtual void order_retried(const std::string& provider) = 0;
  /// An order was parked for a person as `reason` (stored).
  virtual void order_parked(const std::string& provider, providers::park_reason reason) = 0;
  /// The same parked order with what identifies it and its cause: the error's kind
  /// ("recoverable", "config", ...) or its signature when that is a short code ("http-503").
  /// Called right after order_parked; by default nothing happens.
  virtual void order_parked_as(const persistence::item_ref& ref, providers::park_reason reason,
                               const std::string& cause) {}
  /// One object of an order was handled without error (before the order's outcome is stored,
  /// so objects of an order that fails later are counted too).
  virtual void object_handled(const std::string& provider, object_action action) = 0;
};

/// The actor scheduler threads a node starts for `[node] scheduler_threads` = `configured`:
/// that many, or for 0 half the machine's cores, at least 1 and at most 4.
std::size_t actor_threads_for(std::size_t configured);

/// The store threads (each with its own Redis connection) a node starts for `[node]
/// store_threads` = `configured`: that many, or for 0 one on a machine of at most 2 cores, else 2.
std::size_t store_threads_for(std::size_t configured);

/// Everything a node is configured with.
struct node_options {
  std::string node_name = "node-1";  ///< unique among the nodes sharing the Redis
  redis_endpoint redis;
  std::size_t concurrency = 1000;  ///< orders in flight at most
  std::size_t claim_batch = 200;   ///< items claimed per Redis round trip at most
  std::chrono::milliseconds lease{30000};
  std::chrono::milliseconds renew_interval{10000};
  std::chrono::milliseconds grace{10000};   ///< default grace period of stop()
  std::chrono::milliseconds idle_poll{50};  ///< claim interval while the queue is empty
  std::size_t store_threads = 0;            ///< threads that talk to Redis; 0: store_threads_for
  std::size_t scheduler_threads = 0;        ///< actor scheduler threads; 0: actor_threads_for
  std::chrono::milliseconds provider_call_timeout{60000};  ///< per object, then "timeout"
  /// Retention of the queue (snapshot, results and audit TTLs, snapshot holders); its keys come
  /// from redis.prefix.
  persistence::queue_options queue;
  /// Items whose trigger equals this are synced without change detection (a full re-sync).
  std::string force_trigger = "force_resync";
  mapping::evaluation_context context;  ///< shop URL and language of the evaluation
  bool close_providers_on_stop = true;  ///< call registry close_all() when the node ends
  log_sink log;                         ///< empty: warnings and errors to stderr
  /// Called (on a runtime thread; must be cheap and thread-safe) when an order was synced, with
  /// its provider and the time from its enqueue (the queue item's trigger time) to now.
  std::function<void(const std::string& provider, std::chrono::milliseconds latency)>
      on_order_synced;
  /// Per-provider sync events (synced, retried, parked, objects by action); may be null.
  std::shared_ptr<sync_observer> observer;
  /// Observes every round trip of the node's store connections (the Redis round-trip
  /// histogram); called on the store threads, must be cheap and thread-safe. May be empty.
  std::function<void(std::chrono::microseconds)> redis_round_trip;
  /// Makes the queue port of each store thread; empty: Redis at `redis` (one connection per
  /// store thread). Tests and benchmarks may run the node against another port.
  persistence::queue_port_factory queue_ports;
};

}  // namespace tixsync::actors
