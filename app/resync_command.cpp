// `tixsync resync`: re-enqueues every order of an event that has a stored snapshot. Snapshots
// have no per-event index, so the orders are found with SCAN MATCH over the event's snapshot
// keys (bounded COUNT per call, overall deadline); only a complete scan enqueues anything.
#include <CLI/CLI.hpp>
#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>

#include "app/queue_access.hpp"
#include "persistence/queue_store.hpp"

namespace tixsync::app {
namespace {

struct resync_options {
  redis_options redis;
  std::string provider, event;
  std::string trigger = "resync";
  int scan_seconds = 60;
};

/// `text` with Redis glob characters escaped.
std::string glob_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

/// The order codes of the event's snapshots; exit 3 when the scan outlives the deadline.
std::set<std::string> scan_orders(const queue_access& access, const resync_options& o) {
  const std::string key_start = access.keys.order_snapshot(o.event, "");
  const std::string pattern = glob_escape(key_start) + "*";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(o.scan_seconds);
  std::set<std::string> orders;
  std::string cursor = "0";
  do {
    if (std::chrono::steady_clock::now() > deadline) {
      throw command_error(exit_unavailable, "the snapshot scan did not finish within " +
                                                std::to_string(o.scan_seconds) +
                                                " s; nothing was enqueued");
    }
    auto reply =
        must(access.connection->command({"SCAN", cursor, "MATCH", pattern, "COUNT", "1000"}),
             "scanning snapshots");
    if (!reply.is_array() || reply.elements.size() != 2) {
      throw command_error(exit_unavailable, "unexpected SCAN reply");
    }
    cursor = reply.elements[0].str;
    for (const auto& key : reply.elements[1].elements) {
      const std::string code = key.str.substr(key_start.size());
      if (persistence::validate_identifier("order", code).ok()) orders.insert(code);
    }
  } while (cursor != "0");
  return orders;
}

void run_resync(const resync_options& o) {
  if (!persistence::validate_identifier("event", o.event, true).ok()) {
    throw command_error(exit_bad_input, "invalid event '" + o.event + "'");
  }
  auto access = open_queue(o.redis);
  const auto orders = scan_orders(access, o);
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
