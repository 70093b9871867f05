// An in-memory queue port for the actor unit tests: the items to claim, the snapshots and stored
// results are set up by the test; the port holds leases like the Redis queue does (a transition
// on a lease not held is refused as stale) and records every call the runtime makes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "persistence/queue_port.hpp"

namespace tixsync::actors::testing {

/// What the port holds and what it was asked to do; shared by the port and the test.
struct fake_queue {
  struct reschedule_call {
    persistence::lease held;
    std::int64_t not_before_ms = 0;
    std::int64_t now_ms = 0;
    persistence::reschedule_counts counts;
  };

  // --- set up by the test ---
  std::deque<persistence::queue_item> due;    ///< claimed in this order
  std::map<std::string, std::string> orders;  ///< order snapshot JSON by "<event>:<order>"
  std::map<std::string, std::string> events;  ///< event snapshot JSON by event
  std::map<std::string, std::vector<persistence::sync_result>> stored;  ///< by "<event>:<order>"

  // --- state ---
  std::map<std::string, std::int64_t> leases;  ///< held tokens by "<provider>|<event>:<order>"
  std::int64_t next_token = 1;

  // --- the record ---
  std::vector<std::size_t> claims;  ///< max_items of every round trip that claimed
  std::vector<persistence::encoded_completion> completed;  ///< accepted completions
  std::vector<std::vector<persistence::lease>> renewals;   ///< the leases of each renew call
  std::vector<persistence::lease> released;                ///< leases given back
  std::vector<reschedule_call> rescheduled;
  std::vector<persistence::park_request> parked;
  std::vector<persistence::lease> refused;  ///< transitions refused as stale, any kind

  /// Adds a due item of `provider` for the order (attempts as given) to claim.
  void add_due(const std::string& provider, const std::string& event, const std::string& order,
               int attempts = 0, const std::string& trigger = "order_placed");
  /// Whether a lease of the order is held.
  bool holds(const std::string& provider, const std::string& event, const std::string& order) const;
};

/// A port over `queue` (the test keeps the other shared_ptr).
std::unique_ptr<persistence::queue_port> make_fake_port(std::shared_ptr<fake_queue> queue);

}  // namespace tixsync::actors::testing
