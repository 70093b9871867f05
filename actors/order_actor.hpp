// The order actor: one per claimed order. Asks should_sync_order, evaluates the provider's
// mappings in list order and hands each mapping's objects to a sync actor, passing the results
// of the mappings before it on; then spawns the finalize actor. Reports failures itself.
#pragma once

#include <caf/fwd.hpp>
#include <memory>

#include "actors/protocol.hpp"
#include "actors/runtime.hpp"
#include "providers/provider.hpp"

namespace tixsync::actors {

/// Spawns the order actor as a child of `parent` (the supervisor, which monitors it); it (or its
/// finalize actor) reports exactly one order_report to `supervisor`.
order_actor spawn_order_actor(caf::local_actor* parent, supervisor_actor supervisor, runtime_ptr rt,
                              std::shared_ptr<providers::provider> target, loaded_order loaded);

}  // namespace tixsync::actors
