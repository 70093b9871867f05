// The public face of the actor runtime: one worker node that claims queue items from Redis, syncs
// them through the providers and records the outcome. Plain C++ (pimpl): callers never see CAF.
// The program wires signals to stop()/hard_stop(); tests and benchmarks run nodes in-process.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "mapping/source_fields.hpp"
#include "mapping/sync_result.hpp"
#include "persistence/queue_store.hpp"
#include "persistence/redis_connection.hpp"
#include "providers/log_sink.hpp"
#include "providers/registry.hpp"
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
  std::string password;     ///< AUTH when non-empty (never logged)
  int db = 0;
  std::string prefix = "tixsync";  ///< key prefix of every key
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
};

/// What a graceful stop achieved.
struct stop_report {
  std::size_t finished = 0;    ///< orders that ended (any outcome) during the grace period
  std::size_t given_back = 0;  ///< leases handed back for other nodes to resume
};

/// Counters since start (a snapshot).
struct node_stats {
  std::uint64_t orders_claimed = 0;
  std::uint64_t orders_synced = 0;       ///< completed with results (or nothing to do)
  std::uint64_t orders_skipped = 0;      ///< should_sync_order false
  std::uint64_t orders_dropped = 0;      ///< provider unknown or disabled
  std::uint64_t orders_rescheduled = 0;  ///< recoverable failure, retried later
  std::uint64_t orders_parked = 0;       ///< waiting for a person
  std::uint64_t orders_zombie = 0;       ///< transitions refused for a lost lease
  std::uint64_t objects_synced = 0;      ///< provider called, result stored
  std::uint64_t objects_unchanged = 0;   ///< skipped by change detection
  std::uint64_t objects_empty = 0;       ///< skipped: empty id value or provider returned nothing
  std::uint64_t in_flight = 0;           ///< orders claimed and not yet ended
  std::uint64_t store_errors = 0;        ///< Redis calls that failed

  /// Orders that ended with a queue transition (synced, skipped, dropped, rescheduled, parked).
  std::uint64_t orders_ended() const {
    return orders_synced + orders_skipped + orders_dropped + orders_rescheduled + orders_parked;
  }
};

/// One worker node. start() once; then stop() or hard_stop() (the destructor hard-stops). All
/// methods may be called from any thread.
class sync_node {
 public:
  /// Keeps the registry; every registered provider's queue is worked on.
  sync_node(node_options options, std::shared_ptr<providers::provider_registry> registry);
  ~sync_node();
  sync_node(const sync_node&) = delete;
  sync_node& operator=(const sync_node&) = delete;

  /// Connects to Redis (throws std::runtime_error when unreachable) and starts claiming.
  void start();
  /// Graceful: stops claiming, lets running orders end within `grace`, gives back the leases
  /// of those that did not, then shuts the runtime down. Idempotent.
  stop_report stop(std::chrono::milliseconds grace);
  stop_report stop();
  /// At once: no further Redis writes, actors killed; leases run out and other nodes resume.
  /// May be called while stop() waits (a second signal): stop() then ends at once.
  void hard_stop();

  node_stats stats() const;
  const node_options& options() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace tixsync::actors
