// The values the queue store takes and returns: enqueue requests, claimed items with their lease,
// the park states, item views for people, counts and groups of parked items by cause.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "persistence/keys.hpp"
#include "persistence/sync_result.hpp"

namespace tixsync::persistence {

/// pretix's need_manual_retry values: why an item waits for a person.
enum class park_state { exceeded, permanent, config, internal, timeout };

/// Where an item is, for listing and counting.
enum class item_state {
  due,        ///< waiting, not_before passed: will be claimed
  scheduled,  ///< waiting for its not_before (backoff or a delayed enqueue)
  follow_up,  ///< waiting until the order's running sync ends
  in_flight,  ///< leased to a node
  exceeded,
  permanent,
  config,
  internal,
  timeout,
};

/// "exceeded", ..., "timeout".
const char* to_string(park_state s);
/// "due", "scheduled", "follow_up", "in_flight", or a park state's name.
const char* to_string(item_state s);
/// Parses a park state name; false when unknown.
bool parse_park_state(const std::string& text, park_state& out);
/// The item_state of a park state.
item_state as_item_state(park_state s);

/// One enqueue (pretix enqueue_order).
struct enqueue_request {
  item_ref ref;
  std::string trigger;                        ///< e.g. "order_placed" (1-200 printable chars)
  std::optional<std::int64_t> not_before_ms;  ///< unset: now
  /// When set, stored as the order snapshot in the same pipeline, before the enqueue.
  std::optional<std::string> order_json;
};

/// What an enqueue did.
struct enqueue_result {
  bool created = false;    ///< a new waiting item (else an existing one was updated)
  bool follow_up = false;  ///< the order is in flight: the item runs after that sync
};

/// Proof of a claim: renew, complete, reschedule and park must show the fencing token.
struct lease {
  item_ref ref;
  std::int64_t token = 0;
};

/// A queue item as stored (waiting or in flight).
struct queue_item {
  item_ref ref;
  item_state state = item_state::due;
  std::string trigger;
  std::int64_t triggered_ms = 0;
  std::int64_t not_before_ms = 0;
  int attempts = 0;   ///< failed attempts (pretix failed_attempts)
  int expiries = 0;   ///< leases that ran out
  int deferrals = 0;  ///< rate-limit reschedules that did not use an attempt
  // Set while parked (and errors also after a rescheduled failure):
  std::string cause;
  std::vector<std::string> errors;
  std::string full_message;
  std::int64_t parked_at_ms = 0;
  // Set while in flight:
  std::string node;
  std::int64_t token = 0;
  std::int64_t since_ms = 0;
  std::int64_t lease_until_ms = 0;
};

/// A claimed item: the item as now in flight, and its lease.
struct claimed_item {
  queue_item item;
  lease lease_info() const { return {item.ref, item.token}; }
};

/// Successful end of a sync (pretix: results stored, success logged, item deleted).
struct completion {
  lease held;
  std::vector<sync_result> results;  ///< stored under the order's results key
  /// Logged with the 'synced' entry, e.g. {mapping id: [result dicts]}; null: not logged.
  nlohmann::json log_objects;
  /// should_sync_order said no: logged as 'skipped' instead of 'synced'.
  bool skipped = false;
};

/// A failure to park.
struct park_request {
  lease held;
  park_state state = park_state::internal;
  std::vector<std::string> errors;  ///< pretix `messages`
  std::string full_message;         ///< truncated to queue_options::max_full_message
  /// Groups parked items for bulk retry/cancel; empty: error_signature(errors).
  std::string cause;
};

/// How a reschedule changes the item's counters: a recoverable failure uses an attempt, a
/// rate-limit deferral (below the provider's cap, see providers::decide_retry) does not.
struct reschedule_counts {
  bool counts_as_attempt = true;  ///< attempts + 1; false: a deferral, attempts unchanged
  std::optional<int> deferrals;   ///< the item's new deferral count (>= 0); unset: unchanged
};

/// Outcome of reschedule/park.
enum class failure_outcome {
  stored,                ///< rescheduled or parked
  replaced_by_follow_up  ///< pretix quirk 11: the item was deleted, the follow-up carries on
};

/// Both items an order may have in one provider's queue.
struct order_items {
  std::optional<queue_item> waiting;
  std::optional<queue_item> in_flight;
};

/// Filter and page for list().
struct list_query {
  std::optional<item_state> state;   ///< one state (paged in that state's order), or
  std::optional<std::string> event;  ///< all items of one event (paged by order code), or
  std::size_t offset = 0;
  std::size_t limit = 100;  ///< 1..1000
  bool parked = false;      ///< every parked item, whatever its state (paged by state and cause)
};

struct item_page {
  std::vector<queue_item> items;
  std::size_t total = 0;  ///< matching entries in the index (at the time of the call)
};

/// Number of items per state (due and scheduled split at `now`).
struct queue_counts {
  std::map<item_state, std::int64_t> by_state;
  std::int64_t total() const;
};

/// Parked items that share a state and a normalised error signature.
struct cause_group {
  park_state state = park_state::internal;
  std::string cause;
  std::int64_t count = 0;
};

/// What a lease sweep did.
struct expiry_report {
  std::size_t requeued = 0;
  std::size_t parked_timeout = 0;
  std::size_t replaced_by_follow_up = 0;
};

}  // namespace tixsync::persistence
