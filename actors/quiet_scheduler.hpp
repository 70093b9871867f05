// The node's CAF scheduler: CAF 0.17.6's work-stealing coordinator whose clock is not woken when
// an actor that never set a timeout ends. CAF's clock thread otherwise wakes for every actor
// that ends (about four per order), which cost a few percent of the node's CPU per order.
#pragma once

#include <caf/fwd.hpp>

namespace tixsync::actors {

/// Makes `config` use the quiet scheduler (instead of CAF's default coordinator).
void use_quiet_scheduler(caf::actor_system_config& config);

}  // namespace tixsync::actors
