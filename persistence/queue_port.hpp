// The queue as a node's runtime sees it: the claim/complete cycle, lease renewal and give-back,
// the failure transitions (reschedule, park) with the partial results they keep, and loading
// what a claimed order needs (snapshots, stored results). An abstract port, so the actors run
// against Redis (redis_queue_port.hpp) or against an in-memory double in unit tests.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "persistence/errors.hpp"
#include "persistence/queue_store.hpp"
#include "persistence/queue_types.hpp"
#include "persistence/snapshot_store.hpp"
#include "persistence/stored_json.hpp"
#include "persistence/sync_result.hpp"

namespace tixsync::persistence {

/// What one claim/complete round trip did: per completion ok or an error (stale_lease), and the
/// items claimed.
using cycle_outcome = std::pair<std::vector<status>, std::vector<claimed_item>>;

/// One store thread's access to the queue. Not thread-safe: one port per thread. Every method
/// returns a status instead of throwing; `now_ms` is unix milliseconds from the caller's clock.
class queue_port {
 public:
  virtual ~queue_port() = default;

  /// Opens (or checks) the connection; an error when the queue cannot be reached.
  virtual status connect() = 0;

  /// Completes `done` and claims up to `max_items` due items of `provider` for `node`, leased
  /// until now + lease_ms, in one round trip. With `max_items` 0 it only completes; with `done`
  /// empty it only claims.
  virtual status_or<cycle_outcome> complete_and_claim(const std::vector<encoded_completion>& done,
                                                      const std::string& provider,
                                                      const std::string& node,
                                                      std::size_t max_items, std::int64_t lease_ms,
                                                      std::int64_t now_ms) = 0;
  /// Extends leases to now + lease_ms; per lease ok or stale_lease.
  virtual status_or<std::vector<status>> renew(const std::vector<lease>& leases,
                                               std::int64_t lease_ms, std::int64_t now_ms) = 0;
  /// Gives leases back (a graceful stop): due again, no expiry counted; per lease ok or
  /// stale_lease.
  virtual status_or<std::vector<status>> release(const std::vector<lease>& leases,
                                                 std::int64_t now_ms) = 0;

  /// Stores the results of a failed order's finished mappings while the lease is held.
  virtual status put_results(const lease& held, const std::vector<stored_result>& results,
                             std::int64_t now_ms) = 0;
  /// After a recoverable failure: due again at `not_before_ms` (see queue_store::reschedule).
  virtual status_or<failure_outcome> reschedule(const lease& held, std::int64_t not_before_ms,
                                                const std::vector<std::string>& errors,
                                                std::int64_t now_ms,
                                                const reschedule_counts& counts) = 0;
  /// Parks the item for a person (see queue_store::park).
  virtual status_or<failure_outcome> park(const park_request& request, std::int64_t now_ms) = 0;

  /// The order snapshots of `orders` (same order) and the snapshots of their events.
  virtual status_or<snapshot_batch> load_snapshots(const std::vector<order_key>& orders) = 0;
  /// The stored results of each item (same order as `items`; malformed results left out), with
  /// provider and order code filled in from the item where the stored form omits them.
  virtual status_or<std::vector<std::vector<sync_result>>> load_results(
      const std::vector<item_ref>& items) = 0;
};

/// Makes one port per store thread (each with its own connection).
using queue_port_factory = std::function<std::unique_ptr<queue_port>()>;

}  // namespace tixsync::persistence
