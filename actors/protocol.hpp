// The actor protocol of a node: every atom, every message type, the typed interface of each
// actor and the type-ID block. Messages own their data (the immutable order and event models
// travel as shared_ptr<const T>). The interfaces make a message to the wrong actor a compile
// error; the store threads' answers and the call deadlines reach the actors the same way.
//
//   sync_node (facade, no CAF in its header)
//     | tick / stop_claiming / give_back_request / exit(kill)
//     v
//   dispatcher --store job--> store_pool threads (queue_port: complete_and_claim, load
//     ^   |                    snapshots and results, renew, release)
//     |   |   <--cycle_result / renew_result (anon_send from the store thread)--
//     |   | loaded_order (one per claimed item)
//     |   v
//     | supervisor --spawn, monitor-----------> order_actor (one per order)
//     |   ^   ^                                     | evaluate mapping i, spawn linked
//     |   |   |                                     v
//     |   |   |          provider.sync_object <-- sync_actor (one per mapping, all objects at
//     |   |   |          completions --objects_done (once)--> sync_actor         once, timeout)
//     |   |   |                                     | mapping_result
//     |   |   |                                     v
//     |   |   +------ order_report (failed/skipped) order_actor --spawn linked--> finalize_actor
//     |   +---------- order_report (synced/failed) <---------------------------------+
//     |
//     +-- complete_request (success) from supervisor; batched into the next cycle
//     +-- slot_freed (after a reschedule/park job) from the store thread
//
// Exactly one queue transition per claimed item: the supervisor erases its entry at the first
// report or crash (down_msg of an order actor that did not report) and ignores the rest.
//
// Per synced order (1 Order + 1 OrderPosition mapping) that is 10 messages, however many
// positions the order has: the loaded_order, one objects_done and one mapping_result per mapping
// (the provider's threads gather a mapping's outcomes, so the actor thread is woken once per
// mapping, not once per object), finalize_done, the finalizer's exit to the order actor,
// order_report, complete_request, and usually the order actor's
// down_msg (the supervisor stops monitoring at the report, but the actor has mostly ended by
// then). No exit messages from sync actors: one unlinks itself before it ends normally (a crash
// still reaches its order actor). Call timeouts come from call_timeouts (canceled when the actor
// ends), not from a delayed message that keeps each actor alive for the whole timeout. Results
// and the success log's objects are rendered to the JSON the queue stores by the order's own
// actors, so the store threads only send them.
#pragma once

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>
#include <caf/replies_to.hpp>
#include <caf/type_id.hpp>
#include <caf/typed_actor.hpp>
#include <cstddef>
#include <cstdint>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "actors/event_cache.hpp"
#include "mapping/order.hpp"
#include "persistence/queue_port.hpp"
#include "providers/object_sync.hpp"
#include "providers/sync_result.hpp"

namespace tixsync::actors {

/// A claimed item with everything its sync needs, loaded by a store thread.
struct loaded_order {
  persistence::claimed_item claimed;
  std::shared_ptr<const mapping::order> order;   ///< null when load_error is set
  std::shared_ptr<const event_context> event;    ///< null when load_error is set
  std::vector<providers::sync_result> previous;  ///< stored results of earlier syncs
  std::string load_error;                        ///< missing or malformed snapshot
  /// The snapshots could not be read from Redis (not: are missing or malformed): a temporary
  /// problem, retried like a recoverable error instead of parking the order.
  bool load_retryable = false;
  std::string key() const;  ///< item_key of the item
};

/// How an order ended, as the order/finalize actor reports it.
enum class order_end { synced, skipped, dropped, failed };

/// order_actor / finalize_actor -> supervisor: the one outcome of an order. Results and log
/// objects travel as the JSON text Redis stores, rendered by the order's own actors (in
/// parallel) rather than by the store threads.
struct order_report {
  std::string key;
  order_end end = order_end::failed;
  /// Results to store: all of a synced order; on failure those of the finished mappings.
  std::vector<persistence::stored_result> results;
  std::string log_objects;  ///< the success log's objects as JSON, or "": not logged
  std::optional<providers::sync_error> error;
};

/// supervisor -> dispatcher: an item to complete in the next batched round trip.
struct complete_request {
  std::string key;
  order_end end = order_end::synced;
  persistence::encoded_completion done;
};

/// store thread -> dispatcher: what one claim/complete round trip did.
struct cycle_result {
  std::vector<std::pair<complete_request, persistence::status>> completed;
  std::vector<loaded_order> claimed;
  std::size_t wanted = 0;
  std::string error;  ///< the round trip failed (completions are retried in the next cycle)
};

/// store thread -> dispatcher: the item's failure transition was written (or refused).
struct slot_freed {
  std::string key;
};

/// store thread -> dispatcher: leases that could not be renewed (lost: a zombie).
struct renew_result {
  std::vector<std::string> stale_keys;
  std::string error;
};

/// facade -> dispatcher: hand the leases of all running orders back; answers with the count.
struct give_back_request {
  std::shared_ptr<std::promise<std::size_t>> done;
};

/// provider completions -> sync_actor: the outcomes of a mapping's objects, by index, sent once
/// by the last completion (all set) or the first error (those finished so far).
struct objects_done {
  std::vector<std::optional<providers::object_sync_outcome>> outcomes;
};

/// sync_actor -> order_actor: every object of a mapping, or the first error.
struct mapping_result {
  std::size_t mapping_index = 0;
  std::vector<std::optional<providers::sync_result>> results;  ///< one per object, in order
  std::optional<providers::sync_error> error;
};

/// finalize_actor -> provider -> finalize_actor.
struct finalize_done {
  providers::finalize_result result;
};

}  // namespace tixsync::actors

// Local messages only (no middleman): the types are not serialisable, and need not be.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tixsync::actors::loaded_order)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tixsync::actors::order_report)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tixsync::actors::complete_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tixsync::actors::cycle_result)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tixsync::actors::slot_freed)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tixsync::actors::renew_result)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tixsync::actors::give_back_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tixsync::actors::objects_done)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tixsync::actors::mapping_result)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(tixsync::actors::finalize_done)

CAF_BEGIN_TYPE_ID_BLOCK(tixsync_actors, caf::first_custom_type_id)

CAF_ADD_TYPE_ID(tixsync_actors, (tixsync::actors::loaded_order))
CAF_ADD_TYPE_ID(tixsync_actors, (tixsync::actors::order_report))
CAF_ADD_TYPE_ID(tixsync_actors, (tixsync::actors::complete_request))
CAF_ADD_TYPE_ID(tixsync_actors, (tixsync::actors::cycle_result))
CAF_ADD_TYPE_ID(tixsync_actors, (tixsync::actors::slot_freed))
CAF_ADD_TYPE_ID(tixsync_actors, (tixsync::actors::renew_result))
CAF_ADD_TYPE_ID(tixsync_actors, (tixsync::actors::give_back_request))
CAF_ADD_TYPE_ID(tixsync_actors, (tixsync::actors::objects_done))
CAF_ADD_TYPE_ID(tixsync_actors, (tixsync::actors::mapping_result))
CAF_ADD_TYPE_ID(tixsync_actors, (tixsync::actors::finalize_done))

// dispatcher: claim when idle / renew leases / stop claiming.
CAF_ADD_ATOM(tixsync_actors, tixsync::actors, tick_atom, "tick")
CAF_ADD_ATOM(tixsync_actors, tixsync::actors, renew_atom, "renew")
CAF_ADD_ATOM(tixsync_actors, tixsync::actors, stop_atom, "stopclaim")
// sync_actor: the provider call timeout of its mapping fired.
CAF_ADD_ATOM(tixsync_actors, tixsync::actors, timeout_atom, "timeout")

CAF_END_TYPE_ID_BLOCK(tixsync_actors)

namespace tixsync::actors {

/// Claims, batches completions, renews and gives back leases; answers the store threads.
using dispatcher_actor =
    caf::typed_actor<caf::reacts_to<tick_atom>, caf::reacts_to<renew_atom>,
                     caf::reacts_to<stop_atom>, caf::reacts_to<complete_request>,
                     caf::reacts_to<slot_freed>, caf::reacts_to<cycle_result>,
                     caf::reacts_to<renew_result>, caf::reacts_to<give_back_request>>;

/// Runs one order actor per claimed item and turns its first outcome into one transition.
using supervisor_actor =
    caf::typed_actor<caf::reacts_to<loaded_order>, caf::reacts_to<order_report>>;

/// One order: its mappings in list order, then the finalize actor.
using order_actor = caf::typed_actor<caf::reacts_to<mapping_result>>;

/// One mapping's provider calls, all at once, bounded by the call timeout.
using sync_actor = caf::typed_actor<caf::reacts_to<objects_done>, caf::reacts_to<timeout_atom>>;

/// The provider's finalize_sync_order, bounded by the call timeout.
using finalize_actor =
    caf::typed_actor<caf::reacts_to<finalize_done>, caf::reacts_to<timeout_atom>>;

}  // namespace tixsync::actors
