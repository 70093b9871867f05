// The finalize actor: runs the provider's finalize_sync_order after all mappings of an order
// succeeded, then hands the order's one outcome to the supervisor: the results to store with
// the completion (stored, completed and logged in one batched round trip), or the failure.
#pragma once

#include <caf/fwd.hpp>
#include <memory>

#include "actors/protocol.hpp"
#include "actors/runtime.hpp"
#include "providers/provider.hpp"

namespace tixsync::actors {

/// Spawns the finalize actor linked to `parent` (the order actor); `success` is the report to
/// send to `supervisor` when finalize succeeds (its end is changed to failed, with the error,
/// otherwise).
finalize_actor spawn_finalize_actor(caf::local_actor* parent, runtime_ptr rt,
                                    supervisor_actor supervisor,
                                    std::shared_ptr<providers::provider> target,
                                    providers::finalize_request request, order_report success);

}  // namespace tixsync::actors
