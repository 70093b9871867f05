// The one place that builds Redis key names, and the validation of the identifiers that go into
// them (provider, event, order code, node). Keys of one provider share the hash tag {provider}, so
// every queue script touches one Redis Cluster slot; snapshots are tagged by event.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "persistence/errors.hpp"

namespace tixsync::persistence {

/// Identifies the queue item(s), snapshot, results and audit log of one order for one provider.
struct item_ref {
  std::string provider;  ///< [A-Za-z0-9._-]{1,100}
  std::string event;     ///< [A-Za-z0-9._/-]{1,100}, e.g. "organizer/event"
  std::string order;     ///< the order code, [A-Za-z0-9._-]{1,100}

  /// The id inside the provider's queue keys: "<event>:<order>".
  std::string id() const { return event + ":" + order; }
  friend bool operator==(const item_ref& a, const item_ref& b) {
    return a.provider == b.provider && a.event == b.event && a.order == b.order;
  }
  friend bool operator<(const item_ref& a, const item_ref& b);
};

/// Checks one identifier; `what` names it in the message ("provider", "event", "order", "node").
status validate_identifier(std::string_view what, std::string_view value, bool allow_slash = false);
/// Checks provider, event and order of `ref`.
status validate(const item_ref& ref);
/// Splits a queue id "<event>:<order>" back into a ref of `provider`; false when malformed.
bool parse_item_id(std::string_view provider, std::string_view id, item_ref& out);

/// The fixed keys of one provider's queue, in the order every queue script expects them.
struct queue_keys {
  std::string items;     ///< hash id -> JSON of the waiting (not in flight) item
  std::string running;   ///< hash id -> JSON of the in-flight item
  std::string ready;     ///< zset id -> fair score: due items in claim order
  std::string schedule;  ///< zset id -> not_before ms (+inf: follow-up waiting for its twin)
  std::string leases;    ///< zset id -> lease expiry ms of in-flight items
  std::string parked;    ///< zset (score 0) "state:cause|id" of items waiting for a person
  std::string causes;    ///< hash "state:cause" -> number of parked items
  std::string by_event;  ///< zset (score 0) id of every order with an item, for listing by event
  std::string fair;      ///< hash event -> last fair score given, "~vtime" -> last claimed
  std::string fence;     ///< string: the fencing token counter (INCR at every claim)

  /// All ten, in script order (KEYS[1..10]); from a temporary (`queue(p).all()`) they are moved,
  /// not copied.
  std::vector<std::string> all() const&;
  std::vector<std::string> all() &&;
};

/// Builds every key name under a prefix (default "tixsync"). Cheap to copy.
class key_space {
 public:
  /// The default prefix "tixsync".
  key_space() : key_space(std::string("tixsync")) {}
  /// `prefix` must match [A-Za-z0-9._:-]{1,64}; an invalid prefix makes valid() false.
  explicit key_space(std::string prefix);

  /// ok, or invalid_identifier when the prefix was invalid.
  const status& valid() const { return valid_; }
  const std::string& prefix() const { return prefix_; }

  /// "<prefix>:{<provider>}:<name>" for the ten queue keys.
  queue_keys queue(const std::string& provider) const;
  /// "<prefix>:{<provider>}:log:<event>:<order>": the order's audit log (a capped list).
  std::string audit_log(const item_ref& ref) const;
  /// "<prefix>:{<provider>}:results:<event>:<order>": the order's sync results (a hash).
  std::string results(const item_ref& ref) const;
  /// "<prefix>:{<provider>}:rate_limit": the fleet-wide token bucket of a provider (a hash).
  std::string rate_limit(const std::string& provider) const;
  /// "<prefix>:{<provider>}:paused": a person's pause of the provider (a hash: reason, who,
  /// since); claims find nothing while it exists.
  std::string provider_pause(const std::string& provider) const;
  /// "<prefix>:snapshot:{<event>}:order:<order>": the latest order JSON received.
  std::string order_snapshot(const std::string& event, const std::string& order) const;
  /// "<prefix>:snapshot:{<event>}:event": the latest event JSON received.
  std::string event_snapshot(const std::string& event) const;
  /// "<prefix>:webhook:{<event>}:<order>:<notification>": a pretix webhook notification being
  /// or recently handled (a string with a TTL).
  std::string webhook_notification(const std::string& event, const std::string& order,
                                   const std::string& notification) const;
  /// "<prefix>:catch_up:{<event>}": the catch-up state of a pretix event (a hash: cursor, next
  /// poll, fencing counter, last outcome).
  std::string catch_up(const std::string& event) const;
  /// "<prefix>:catch_up:{<event>}:lease": the node polling the event now (a string with a TTL).
  std::string catch_up_lease(const std::string& event) const;
  /// "<prefix>:node:<name>": a live node's heartbeat (JSON, expires when the node stops beating).
  std::string node_heartbeat(const std::string& node) const;
  /// "<prefix>:nodes": zset node name -> unix ms of its last heartbeat, for listing nodes.
  std::string nodes() const;

 private:
  std::string provider_base(const std::string& provider) const;
  std::string prefix_;
  status valid_;
};

}  // namespace tixsync::persistence
