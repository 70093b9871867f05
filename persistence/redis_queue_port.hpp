// The queue port over Redis: queue_store, snapshot_store and result_store on one connection
// per port (so one per store thread of a node).
#pragma once

#include <string>

#include "persistence/queue_port.hpp"
#include "persistence/queue_store.hpp"
#include "persistence/redis_connection.hpp"

namespace tixsync::persistence {

/// Makes ports that each open their own connection with `connection` (lazily, at the first
/// call) and work on the queue with `queue` (its keys, retention and audit settings);
/// invalid_argument for invalid keys (a bad prefix).
status_or<queue_port_factory> redis_queue_ports(connection_options connection,
                                                queue_options queue);

}  // namespace tixsync::persistence
