// The queue port over Redis: queue_store, snapshot_store and result_store on one connection
// per port (so one per store thread of a node).
#pragma once

#include <string>

#include "persistence/queue_port.hpp"
#include "persistence/redis_connection.hpp"

namespace tixsync::persistence {

/// Makes ports that each open their own connection with `connection` (lazily, at the first
/// call) and work on the queue under `key_prefix`; invalid_argument for a bad prefix.
status_or<queue_port_factory> redis_queue_ports(connection_options connection,
                                                const std::string& key_prefix);

}  // namespace tixsync::persistence
