// The durable queue of one or more providers in Redis: pretix's enqueue rules, fair claiming with
// leases and fencing tokens, the transitions after a sync (complete, reschedule, park), the
// graceful give-back of leases (release), lease expiry, a person's retry/cancel (also per cause),
// and listing/counting for dashboards. Every state change is one atomic Lua script
// (persistence/scripts/); times come from the caller.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "persistence/errors.hpp"
#include "persistence/keys.hpp"
#include "persistence/queue_types.hpp"
#include "persistence/redis_connection.hpp"
#include "persistence/script_runner.hpp"
#include "persistence/stored_json.hpp"

namespace tixsync::persistence {

/// Tuning of the queue; the defaults suit production.
struct queue_options {
  key_space keys;                   ///< key prefix (default "tixsync")
  int max_lease_expiries = 3;       ///< the n-th expired lease parks the item as timeout
  std::size_t audit_log_cap = 100;  ///< newest entries kept per order and provider
  std::int64_t audit_log_retention_ms = 30LL * 24 * 3600 * 1000;  ///< log kept after last entry
  std::size_t promote_limit = 1000;          ///< scheduled items turned due per claim call
  std::size_t enqueue_chunk = 200;           ///< items per script call in enqueue_many
  std::size_t expire_chunk = 200;            ///< candidates per expiry script call
  std::size_t max_full_message = 16 * 1024;  ///< longer full messages are truncated
  /// An order's snapshot expires this long after the order's last completion or cancel, once
  /// no provider of `snapshot_holders` has an item for it; 0 = kept. Every enqueue ends the
  /// TTL again, so a queued or in-flight order always finds its snapshot.
  std::int64_t snapshot_ttl_ms = 0;
  /// An order's sync results (with their fingerprints) expire this long after its last
  /// completion; 0 = kept.
  std::int64_t results_ttl_ms = 0;
  /// The providers whose items need an order's snapshot (every configured one); empty: only
  /// the provider that completed.
  std::vector<std::string> snapshot_holders;
};

/// What forget() erased.
struct forget_report {
  std::vector<std::string> providers;  ///< providers that held a parked item, log or results
  bool snapshot = false;               ///< the order snapshot existed and was deleted
};

/// A completion with its results and log objects already as JSON text (stored_json.hpp): the
/// node renders them on its actor threads, so the store thread only sends them.
struct encoded_completion {
  lease held;
  std::vector<stored_result> results;  ///< stored under the order's results key
  std::string log_objects;  ///< JSON object or array logged with 'synced'; "": not logged
  /// should_sync_order said no: the audit entry says 'skipped' (no objects), not 'synced'.
  bool skipped = false;
};

/// The encoded form of `done` (results as store_form, log objects dumped).
encoded_completion encode_completion(const completion& done);

/// The queue over one connection (not thread-safe; one per worker thread). Every method
/// validates its input first (bad input changes nothing) and returns a status instead of
/// throwing. `now_ms` is unix milliseconds from the caller's clock.
class queue_store {
 public:
  explicit queue_store(redis_connection& connection, queue_options options = {});

  // --- enqueue (pretix enqueue_order) ---
  /// Upserts the order's waiting item; see enqueue_result.
  status_or<enqueue_result> enqueue(const enqueue_request& request, std::int64_t now_ms);
  /// Many enqueues: one pipeline of script calls (one per chunk and provider), preceded by one
  /// MSET of the given snapshots. Either all requests are valid and sent, or nothing is sent.
  status_or<std::vector<enqueue_result>> enqueue_many(const std::vector<enqueue_request>& requests,
                                                      std::int64_t now_ms);

  // --- the worker's side ---
  /// Claims up to `max_items` due items of `provider` for `node`, leased until now + lease_ms,
  /// fair across events. When the claim sees expired leases it sweeps them (expire_leases) and
  /// claims once more, so items of dead nodes return without a separate sweeper.
  status_or<std::vector<claimed_item>> claim(const std::string& provider, const std::string& node,
                                             std::size_t max_items, std::int64_t lease_ms,
                                             std::int64_t now_ms);
  /// A worker's loop step in one round trip: completes `done` (like complete_many) and claims up
  /// to `max_items` more (like claim). Under appendfsync always this also halves the fsyncs.
  status_or<std::pair<std::vector<status>, std::vector<claimed_item>>> complete_and_claim(
      const std::vector<completion>& done, const std::string& provider, const std::string& node,
      std::size_t max_items, std::int64_t lease_ms, std::int64_t now_ms);
  /// complete_and_claim for completions already encoded (the node's hot path).
  status_or<std::pair<std::vector<status>, std::vector<claimed_item>>> complete_and_claim_encoded(
      const std::vector<encoded_completion>& done, const std::string& provider,
      const std::string& node, std::size_t max_items, std::int64_t lease_ms, std::int64_t now_ms);
  /// Extends leases to now + lease_ms; per lease ok or stale_lease.
  status_or<std::vector<status>> renew(const std::vector<lease>& leases, std::int64_t lease_ms,
                                       std::int64_t now_ms);
  /// Stores the results, deletes the in-flight item and logs; a waiting follow-up becomes due.
  status complete(const completion& done, std::int64_t now_ms);
  /// complete() for many items in one round trip; per item ok or stale_lease.
  status_or<std::vector<status>> complete_many(const std::vector<completion>& done,
                                               std::int64_t now_ms);
  /// complete_many for completions already encoded.
  status_or<std::vector<status>> complete_many_encoded(const std::vector<encoded_completion>& done,
                                                       std::int64_t now_ms);
  /// After a recoverable error: attempts + 1 (unless `counts` says it is a rate-limit deferral),
  /// the deferral counter set when given, due again at not_before_ms.
  status_or<failure_outcome> reschedule(const lease& held, std::int64_t not_before_ms,
                                        const std::vector<std::string>& errors, std::int64_t now_ms,
                                        const reschedule_counts& counts = {});
  /// Parks the item for a person (exceeded also counts the attempt).
  status_or<failure_outcome> park(const park_request& request, std::int64_t now_ms);
  /// Gives leases back (a node's graceful stop): each item waits again with its not_before
  /// (normally due at once), attempts, expiries and deferrals unchanged, logged as `released`;
  /// with a waiting follow-up twin the item is deleted and the twin carries on (quirk 11).
  /// Per lease ok (also when replaced by the follow-up) or stale_lease.
  status_or<std::vector<status>> release(const std::vector<lease>& leases, std::int64_t now_ms);
  /// Returns items whose lease ran out to due (or parks them as timeout); called by claim().
  status_or<expiry_report> expire_leases(const std::string& provider, std::int64_t now_ms);

  // --- a person's actions ---
  /// Due now, manual-retry state cleared, attempts and expiries reset to 0 (tixsync differs
  /// from pretix here on purpose). not_found, or in_flight when only a running item exists.
  status retry(const item_ref& ref, std::int64_t now_ms, const std::string& who = "");
  /// Deletes the waiting item; in_flight when only a running item exists.
  status cancel(const item_ref& ref, std::int64_t now_ms, const std::string& who = "");
  /// retry/cancel for many items in one round trip; per item status.
  status_or<std::vector<status>> retry_many(const std::vector<item_ref>& refs, std::int64_t now_ms,
                                            const std::string& who = "");
  status_or<std::vector<status>> cancel_many(const std::vector<item_ref>& refs, std::int64_t now_ms,
                                             const std::string& who = "");
  /// Retries / cancels every parked item of one cause (see causes()); returns how many.
  status_or<std::size_t> retry_cause(const std::string& provider, park_state state,
                                     const std::string& cause, std::int64_t now_ms,
                                     const std::string& who = "");
  status_or<std::size_t> cancel_cause(const std::string& provider, park_state state,
                                      const std::string& cause, std::int64_t now_ms,
                                      const std::string& who = "");

  // --- retention and erasure (queue_retention.cpp) ---
  /// Erases everything stored about one order: for each of `providers` its parked item, audit
  /// log and sync results (queue script forget), then the order snapshot. Refused with
  /// in_flight, changing nothing, while any provider has the order queued or in flight;
  /// not_found when nothing is stored. An order enqueued again while it is being erased keeps
  /// its snapshot and the call answers in_flight (run it again once that sync ended).
  status_or<forget_report> forget(const std::string& event, const std::string& order,
                                  const std::vector<std::string>& providers, std::int64_t now_ms);

  // --- reading (queue_queries.cpp) ---
  /// The waiting and the in-flight item of one order.
  status_or<order_items> get(const item_ref& ref, std::int64_t now_ms);
  /// One page of items of a state (in claim/schedule/lease/cause order) or of an event.
  status_or<item_page> list(const std::string& provider, const list_query& query,
                            std::int64_t now_ms);
  /// Items per state (due/scheduled split at now).
  status_or<queue_counts> count(const std::string& provider, std::int64_t now_ms);
  /// Orders with an item, per event.
  status_or<std::map<std::string, std::int64_t>> count_by_event(const std::string& provider);
  /// Parked items grouped by state and cause, largest group first.
  status_or<std::vector<cause_group>> causes(const std::string& provider);

  const queue_options& options() const { return options_; }

 private:
  std::vector<std::string> base_args(std::int64_t now_ms) const;
  status check_claim(const std::string& provider, const std::string& node, std::size_t max_items,
                     std::int64_t lease_ms, std::int64_t now_ms) const;
  script_call claim_call(const std::string& provider, const std::string& node,
                         std::size_t max_items, std::int64_t lease_ms, std::int64_t now_ms) const;
  /// Appends the claimed items of a claim reply to `out`; returns the expired leases it saw.
  status_or<std::int64_t> read_claim(const std::string& provider, const redis_value& reply,
                                     std::int64_t now_ms, std::vector<claimed_item>& out);
  status complete_calls(const std::vector<encoded_completion>& done, std::int64_t now_ms,
                        std::vector<script_call>& calls,
                        std::vector<std::vector<std::size_t>>& members,
                        std::vector<lease>& held) const;
  status write_snapshots(const std::vector<enqueue_request>& requests);
  /// Ends the TTL of the snapshots of enqueued orders (after their items exist).
  status keep_snapshots(const std::vector<enqueue_request>& requests);
  /// Starts the snapshot TTL of orders that left a queue (statuses ok), unless a provider of
  /// snapshot_holders still has an item for them. Best effort: on a Redis error the snapshots
  /// are kept.
  void retire_snapshots(const std::vector<item_ref>& refs, const std::vector<status>& done);
  /// forget(): the per-provider script in one pipeline; `erase` false only checks.
  status_or<std::vector<std::int64_t>> forget_calls(const std::string& event,
                                                    const std::string& order,
                                                    const std::vector<std::string>& providers,
                                                    bool erase, std::int64_t now_ms);
  status check_provider(const std::string& provider) const;
  status_or<redis_value> run_one(script_call call);
  status_or<failure_outcome> finish(const lease& held, std::vector<std::string> args,
                                    const char* script, std::int64_t now_ms);
  status_or<std::vector<status>> person_action(const char* script,
                                               const std::vector<item_ref>& refs,
                                               std::int64_t now_ms, const std::string& who);
  status_or<std::size_t> cause_action(const char* script, const std::string& provider,
                                      park_state state, const std::string& cause,
                                      std::int64_t now_ms, const std::string& who);
  status_or<std::vector<queue_item>> load_items(const std::string& provider,
                                                const std::vector<std::string>& ids,
                                                std::int64_t now_ms);

  redis_connection& connection_;
  script_runner scripts_;
  queue_options options_;
};

}  // namespace tixsync::persistence
