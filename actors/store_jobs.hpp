// The Redis work the actors hand to the store threads, one function per kind of round trip:
// the dispatcher's batched complete-and-claim cycle (with snapshot and result loading), lease
// renewal and give-back, and the supervisor's failure transition. Answers go back as messages.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "actors/protocol.hpp"
#include "actors/runtime.hpp"
#include "actors/store_pool.hpp"
#include "providers/retry_policy.hpp"

namespace tixsync::actors {

/// One cycle: complete `done`, then claim up to `want` items of `provider` (0: claim nothing).
struct cycle_request {
  std::vector<complete_request> done;
  std::string provider;
  std::size_t want = 0;
};

/// Runs a cycle and sends a cycle_result to `reply_to`.
void run_cycle(store_worker& worker, runtime& rt, cycle_request request,
               const dispatcher_actor& reply_to);

/// Renews `leases` and sends a renew_result to `reply_to`.
void run_renew(store_worker& worker, runtime& rt, const std::vector<persistence::lease>& leases,
               const dispatcher_actor& reply_to);

/// Hands `leases` back (queue_store::release): the items become due again for any node without
/// counting a lease expiry. Returns how many were given back.
std::size_t run_give_back(store_worker& worker, runtime& rt,
                          const std::vector<persistence::lease>& leases);

/// Counts a store job no store thread took (stopped, or none could set up) as a store error and
/// logs `what` did not happen.
void store_refused(runtime& rt, const std::string& what);

/// A failed order's one transition, decided by the supervisor.
struct failure_request {
  std::string key;
  persistence::lease held;
  providers::retry_decision decision;
  providers::sync_error error;
  std::vector<persistence::stored_result> results;  ///< of the mappings that finished: kept
};

/// Stores the partial results, reschedules or parks, and sends slot_freed to `reply_to`.
void run_failure(store_worker& worker, runtime& rt, const failure_request& request,
                 const dispatcher_actor& reply_to);

}  // namespace tixsync::actors
