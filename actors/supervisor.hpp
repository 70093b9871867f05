// The supervisor of a node's orders: spawns one order actor per claimed item and monitors it, and
// turns each order's first outcome - a report, or the crash of the actor - into exactly one queue
// transition: a batched completion, or a reschedule/park by the retry policy.
#pragma once

#include <caf/actor_system.hpp>

#include "actors/protocol.hpp"
#include "actors/runtime.hpp"

namespace tixsync::actors {

/// Spawns the supervisor. It learns the dispatcher from the first loaded_order it receives. An
/// exit message (any reason but kill) makes it kill every order actor and quit.
supervisor_actor spawn_supervisor(caf::actor_system& system, runtime_ptr rt);

}  // namespace tixsync::actors
