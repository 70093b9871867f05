// One object's sync around the provider call, pretix's sync_object after evaluation: skip an
// empty id value, skip an unchanged object under change detection, call the provider, and turn
// its outcome into the result to store; and the same guarded call for finalize_sync_order. The
// actor runtime calls these; so do the tests.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "providers/provider.hpp"

namespace tixsync::providers {

/// How one object's sync ended.
struct object_sync_outcome {
  /// The result to store (replacing the previous one), or nullopt: the object was skipped (empty
  /// id value, or the provider returned nothing) and is null in mapped_objects.
  std::optional<sync_result> result;
  /// Set when the sync failed; `result` is then empty.
  std::optional<sync_error> error;
  /// Whether the provider was called (false for empty id values and unchanged objects).
  bool provider_called = false;
};

using object_sync_callback = std::function<void(object_sync_outcome)>;

/// Syncs `request.object` with `target`. `done` runs exactly once: on the calling thread for
/// skipped and unchanged objects, else on whatever thread the provider completes on. The
/// request's `mapping` must point to one of the provider's mappings and `order` be set.
void sync_one_object(provider& target, object_request request, object_sync_callback done);

/// Calls target.finalize_sync_order with the same guarantees: `done` runs exactly once, and an
/// exception thrown by the call is converted by to_sync_error.
void finalize_order(provider& target, finalize_request request,
                    std::function<void(finalize_result)> done);

/// The stored form of a provider's outcome for `object` (pretix's OrderSyncResult upsert):
/// object type and id field from the object (i.e. the mapping), the id value as text, the links
/// and sync_info from the outcome.
sync_result make_sync_result(const std::string& provider_identifier, const std::string& order_code,
                             const mapping::evaluated_object& object, object_outcome outcome,
                             std::string fingerprint, std::int64_t transmitted_ms);

}  // namespace tixsync::providers
