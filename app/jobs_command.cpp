// `tixsync jobs`: what a provider's queue holds. By default the number of items per state; with
// --state or --event one page of items; with --causes the parked groups by cause; with --nodes the
// nodes that sent a heartbeat in the last hour, live or gone. The counts say when the provider is
// paused.
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <nlohmann/json.hpp>

#include "app/queue_access.hpp"
#include "persistence/node_registry.hpp"
#include "persistence/provider_pause.hpp"
#include "persistence/queue_item_json.hpp"
#include "persistence/queue_store.hpp"

namespace tixsync::app {
namespace {

struct jobs_options {
  redis_options redis;
  std::string provider, state, event;
  std::size_t limit = 50;
  std::size_t offset = 0;
  bool causes = false;
  bool nodes = false;
};

nlohmann::json item_json(const persistence::queue_item& item) {
  return persistence::queue_item_json(item,
                                      [](std::int64_t ms) -> nlohmann::json { return format_time(ms); });
}

/// The pause as JSON: null when the provider is not paused.
nlohmann::json pause_json(const persistence::pause_state& pause) {
  if (!pause.paused) return nullptr;
  return {{"reason", pause.reason}, {"who", pause.who}, {"since", format_time(pause.since_ms)}};
}

void print_counts(const jobs_options& o, const persistence::queue_counts& counts,
                  const persistence::pause_state& pause) {
  if (o.redis.json) {
    nlohmann::json states = nlohmann::json::object();
    for (const auto& [state, n] : counts.by_state) states[persistence::to_string(state)] = n;
    std::cout << nlohmann::json{{"provider", o.provider},
                                {"paused", pause_json(pause)},
                                {"states", states},
                                {"total", counts.total()}}
                     .dump(2)
              << "\n";
    return;
  }
  if (pause.paused) {
    std::cout << fmt::format("PAUSED since {} by {}{}: no job is claimed until `tixsync resume`\n",
                             format_time(pause.since_ms), pause.who,
                             pause.reason.empty() ? "" : " (" + pause.reason + ")");
  }
  std::cout << fmt::format("{:<12} {:>10}\n", "STATE", "ITEMS");
  for (const auto& [state, n] : counts.by_state) {
    std::cout << fmt::format("{:<12} {:>10}\n", persistence::to_string(state), n);
  }
  std::cout << fmt::format("{:<12} {:>10}\n", "total", counts.total());
}

void print_page(const jobs_options& o, const persistence::item_page& page) {
  if (o.redis.json) {
    nlohmann::json items = nlohmann::json::array();
    for (const auto& item : page.items) items.push_back(item_json(item));
    std::cout << nlohmann::json{{"provider", o.provider},
                                {"total", page.total},
                                {"offset", o.offset},
                                {"items", items}}
                     .dump(2)
              << "\n";
    return;
  }
  std::cout << fmt::format("{:<12} {:<20} {:<10} {:>3} {:<20} {:<12} {:<20} {}\n", "ORDER", "EVENT",
                           "STATE", "ATT", "NOT BEFORE", "NODE", "LEASE UNTIL", "LAST ERROR");
  for (const auto& item : page.items) {
    std::cout << fmt::format("{:<12} {:<20} {:<10} {:>3} {:<20} {:<12} {:<20} {}\n", item.ref.order,
                             item.ref.event, persistence::to_string(item.state), item.attempts,
                             format_time(item.not_before_ms), item.node.empty() ? "-" : item.node,
                             format_time(item.lease_until_ms),
                             item.errors.empty() ? "" : item.errors.back());
  }
  std::cout << fmt::format("{} of {} items from offset {}\n", page.items.size(), page.total,
                           o.offset);
}

void print_causes(const jobs_options& o, const std::vector<persistence::cause_group>& groups) {
  if (o.redis.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& g : groups) {
      out.push_back(
          {{"state", persistence::to_string(g.state)}, {"cause", g.cause}, {"count", g.count}});
    }
    std::cout << nlohmann::json{{"provider", o.provider}, {"causes", out}}.dump(2) << "\n";
    return;
  }
  std::cout << fmt::format("{:<10} {:>8}  {}\n", "STATE", "ITEMS", "CAUSE");
  for (const auto& g : groups) {
    std::cout << fmt::format("{:<10} {:>8}  {}\n", persistence::to_string(g.state), g.count,
                             g.cause);
  }
}

void print_nodes(const jobs_options& o, const std::vector<persistence::node_entry>& nodes) {
  if (o.redis.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& n : nodes) {
      const auto& b = n.heartbeat;
      out.push_back({{"name", b.name},
                     {"alive", n.alive},
                     {"host", b.host},
                     {"pid", b.pid},
                     {"started", format_time(b.started_ms)},
                     {"last_heartbeat", format_time(b.beat_ms)},
                     {"concurrency", b.concurrency},
                     {"in_flight", b.in_flight},
                     {"synced", b.synced},
                     {"providers", b.providers},
                     {"http", b.http}});
    }
    std::cout << nlohmann::json{{"nodes", out}}.dump(2) << "\n";
    return;
  }
  std::cout << fmt::format("{:<20} {:<6} {:<16} {:>8} {:>9} {:>10} {:<20} {}\n", "NODE", "STATE",
                           "HOST", "PID", "IN FLIGHT", "SYNCED", "LAST HEARTBEAT", "PROVIDERS");
  for (const auto& n : nodes) {
    const auto& b = n.heartbeat;
    std::string providers;
    for (const auto& p : b.providers) providers += (providers.empty() ? "" : ",") + p;
    std::cout << fmt::format("{:<20} {:<6} {:<16} {:>8} {:>9} {:>10} {:<20} {}\n", b.name,
                             n.alive ? "alive" : "gone", n.alive ? b.host : "-",
                             n.alive ? std::to_string(b.pid) : "-",
                             n.alive ? std::to_string(b.in_flight) : "-",
                             n.alive ? std::to_string(b.synced) : "-", format_time(b.beat_ms),
                             providers);
  }
  std::cout << fmt::format("{} nodes\n", nodes.size());
}

void run_jobs(const jobs_options& o) {
  if (!o.nodes && o.provider.empty()) {
    throw command_error(exit_usage, "jobs: --provider is required (or --nodes)");
  }
  auto access = open_queue(o.redis);
  if (o.nodes) {
    persistence::node_registry registry(*access.connection, access.keys);
    print_nodes(o, must(registry.list(now_ms()), "listing nodes"));
    return;
  }
  persistence::queue_options options;
  options.keys = access.keys;
  persistence::queue_store queue(*access.connection, options);
  const std::int64_t now = now_ms();
  if (o.causes) {
    print_causes(o, must(queue.causes(o.provider), "listing causes"));
  } else if (!o.state.empty() || !o.event.empty()) {
    persistence::list_query query;
    if (!o.state.empty()) query.state = parse_item_state(o.state);
    if (!o.event.empty()) query.event = o.event;
    query.limit = o.limit;
    query.offset = o.offset;
    print_page(o, must(queue.list(o.provider, query, now), "listing items"));
  } else {
    persistence::provider_pause_store pauses(*access.connection, access.keys);
    auto counts = must(queue.count(o.provider, now), "counting items");
    print_counts(o, counts, must(pauses.get(o.provider), "reading the pause"));
  }
}

}  // namespace

void register_jobs_command(CLI::App& app, command_action& run) {
  auto o = std::make_shared<jobs_options>();
  auto* cmd = app.add_subcommand("jobs", "Show a provider's queue: counts, items or causes");
  auto* provider = cmd->add_option("--provider", o->provider, "Provider id (required but with --nodes)");
  auto* state = cmd->add_option("--state", o->state, "Items of one state")
                    ->check(CLI::IsMember({"due", "scheduled", "follow_up", "in_flight", "exceeded",
                                           "permanent", "config", "internal", "timeout"}));
  auto* event = cmd->add_option("--event", o->event, "Items of one event (organizer/event)");
  state->excludes(event);
  cmd->add_option("--limit", o->limit, "Items per page (1-1000)")->check(CLI::Range(1, 1000));
  cmd->add_option("--offset", o->offset, "First item of the page");
  cmd->add_flag("--causes", o->causes, "Parked items grouped by cause")
      ->excludes(state)
      ->excludes(event);
  cmd->add_flag("--nodes", o->nodes, "The nodes and their heartbeats (live or gone)")
      ->excludes(state)
      ->excludes(event)
      ->excludes(provider);
  add_redis_options(*cmd, o->redis);
  cmd->callback([o, &run] { run = [o] { run_jobs(*o); }; });
}

}  // namespace tixsync::app
