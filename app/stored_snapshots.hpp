// Reads what nodes stored in Redis for an event — its bundle and its orders' snapshots, exactly
// the data a sync of those orders evaluates — for commands that show it (`preview --event-id`).
#pragma once

#include <string>
#include <vector>

#include "app/input_files.hpp"
#include "app/queue_access.hpp"

namespace tixsync::app {

/// An event's stored bundle and order snapshots, parsed.
struct stored_snapshots {
  mapping::event_bundle event;
  std::vector<loaded_order> orders;  ///< origin "Redis: order CODE of ORG/EVENT"
};

/// The snapshot of event `event_id` ("organizer/event") and of its orders `codes` (every order
/// of the event with a snapshot when empty), read through persistence/. command_error: 1 for an
/// invalid event id or a snapshot that does not parse (every problem listed), 3 when Redis is
/// unreachable, 4 when the event or a named order has no snapshot.
stored_snapshots load_stored_snapshots(const redis_options& redis, const std::string& event_id,
                                       const std::vector<std::string>& codes);

}  // namespace tixsync::app
