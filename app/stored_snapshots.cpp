// Loads an event's bundle and order snapshots from Redis with the snapshot store, parsing them
// with the same reader as files, so a problem names the snapshot and the key path.
#include "app/stored_snapshots.hpp"

#include "mapping/order_reader.hpp"
#include "persistence/snapshot_store.hpp"

namespace tixsync::app {

stored_snapshots load_stored_snapshots(const redis_options& redis, const std::string& event_id,
                                       const std::vector<std::string>& codes) {
  if (auto valid = persistence::validate_identifier("--event-id", event_id, true); !valid.ok()) {
    throw command_error(exit_bad_input, valid.message());
  }
  if (event_id.find('/') == std::string::npos) {
    throw command_error(exit_bad_input, "--event-id \"" + event_id +
                                            "\": expected organizer/event, e.g. nordlicht/ndd25");
  }
  for (const auto& code : codes) {
    if (auto valid = persistence::validate_identifier("--code", code); !valid.ok()) {
      throw command_error(exit_bad_input, valid.message());
    }
  }
  auto access = open_queue(redis);
  persistence::snapshot_store snapshots(*access.connection, access.keys);
  const auto event_json = must(snapshots.get_event(event_id), "reading the event snapshot");
  if (!event_json) {
    throw command_error(exit_not_found, "Redis (prefix \"" + access.keys.prefix() +
                                            "\") holds no snapshot of event " + event_id);
  }
  mapping::order_reader reader;
  mapping::read_error error;
  stored_snapshots out;
  problem_list problems;
  if (!reader.read_event_bundle(*event_json, out.event, error)) {
    problems.add("Redis: event " + event_id + ": " + error.to_string());
    problems.fail();
  }
  const auto listed =
      codes.empty() ? must(snapshots.list_orders(event_id), "listing the order snapshots") : codes;
  for (const auto& code : listed) {
    const auto json = must(snapshots.get_order(event_id, code), "reading the order snapshot");
    if (!json) {
      throw command_error(exit_not_found,
                          "Redis holds no snapshot of order " + code + " of " + event_id);
    }
    loaded_order loaded{"Redis: order " + code + " of " + event_id, {}, *json};
    if (reader.read_order(loaded.json, loaded.order, error)) {
      out.orders.push_back(std::move(loaded));
    } else {
      problems.add(loaded.origin + ": " + error.to_string());
    }
  }
  if (!problems.empty()) problems.fail();
  return out;
}

}  // namespace tixsync::app
