// `tixsync resync`: re-enqueues every order of an event that has a stored snapshot, listed by
// snapshot_store::list_orders (a bounded SCAN); only a complete listing enqueues anything.
#include <CLI/CLI.hpp>
#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>

#include "app/queue_access.hpp"
#include "persistence/queue_store.hpp"
#include "persistence/snapshot_store.hpp"

namespace tixsync::app {
namespace {

struct resync_options {
  redis_options redis;
  std::string provider, event;
  std::string trigger = "resync";
  int scan_seconds = 60;
};

void run_resync(const resync_options& o) {
  if (!persistence::validate_identifier("event", o.event, true).ok()) {
    throw command_error(exit_bad_input, "invalid event '" + o.event + "'");
  }
  auto access = open_queue(o.redis);
  persistence::snapshot_store snapshots(*access.connection, access.keys);
  persistence::listing_limits limits;
  limits.time = std::chrono::seconds(o.scan_seconds);
  const auto orders =
      must(snapshots.list_orders(o.event, limits), "listing the snapshots (nothing was enqueued)");
  persistence::queue_options options;
  options.keys = access.keys;
  persistence::queue_store queue(*access.connection, options);
  std::vector<persistence::enqueue_request> requests;
  for (const auto& code : orders) {
    requests.push_back({{o.provider, o.event, code}, o.trigger, std::nullopt, std::nullopt});
  }
  std::size_t created = 0, updated = 0, follow_up = 0;
  if (!requests.empty()) {
    for (const auto& r : must(queue.enqueue_many(requests, now_ms()), "enqueue")) {
      (r.follow_up ? follow_up : r.created ? created : updated) += 1;
    }
  }
  if (o.redis.json) {
    std::cout << nlohmann::json{{"provider", o.provider},    {"event", o.event},
                                {"orders", requests.size()}, {"created", created},
                                {"updated", updated},        {"follow-up", follow_up}}
                     .dump(2)
              << "\n";
  } else {
    std::cout << "re-enqueued " << requests.size() << " orders of " << o.event << ": " << created
              << " created, " << updated << " updated, " << follow_up << " follow-up\n";
  }
}

}  // namespace

void register_resync_command(CLI::App& app, command_action& run) {
  auto o = std::make_shared<resync_options>();
  auto* cmd = app.add_subcommand("resync", "Re-enqueue every order of an event with a snapshot");
  cmd->add_option("--provider", o->provider, "Provider id")->required();
  cmd->add_option("--event", o->event, "Event (organizer/event)")->required();
  cmd->add_option("--trigger", o->trigger, "Trigger name (default: resync)");
  cmd->add_option("--scan-timeout", o->scan_seconds, "Seconds the snapshot scan may take")
      ->check(CLI::Range(1, 3600));
  add_redis_options(*cmd, o->redis);
  cmd->callback([o, &run] { run = [o] { run_resync(*o); }; });
}

}  // namespace tixsync::app
