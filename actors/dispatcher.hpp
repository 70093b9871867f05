// The dispatcher of a node: claims due items within the concurrency limit, hands them to the
// supervisor, batches the completions of finished orders into the next claim round trip,
// renews the leases of running orders, and gives leases back at shutdown.
#pragma once

#include <caf/actor_system.hpp>

#include "actors/protocol.hpp"
#include "actors/runtime.hpp"

namespace tixsync::actors {

/// Spawns the dispatcher; it starts claiming at its first tick_atom.
dispatcher_actor spawn_dispatcher(caf::actor_system& system, runtime_ptr rt,
                                  supervisor_actor supervisor);

}  // namespace tixsync::actors
