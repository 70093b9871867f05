// `tixsync explain`: everything known about one order in one provider's queue: the waiting and
// in-flight items (state, lease and node, attempts, next retry, last errors), the stored sync
// results with their links, and the audit log, newest first.
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <nlohmann/json.hpp>

#include "app/queue_access.hpp"
#include "persistence/audit_log.hpp"
#include "persistence/queue_store.hpp"
#include "persistence/result_store.hpp"

namespace tixsync::app {
namespace {

struct explain_options {
  redis_options redis;
  std::string provider, event, order;
  std::size_t log_limit = 50;
};

nlohmann::json item_json(const std::optional<persistence::queue_item>& item) {
  if (!item) return nullptr;
  return {{"state", persistence::to_string(item->state)},
          {"trigger", item->trigger},
          {"triggered", format_time(item->triggered_ms)},
          {"attempts", item->attempts},
          {"expiries", item->expiries},
          {"deferrals", item->deferrals},
          {"not_before", format_time(item->not_before_ms)},
          {"cause", item->cause},
          {"errors", item->errors},
          {"full_message", item->full_message},
          {"node", item->node},
          {"lease_until", format_time(item->lease_until_ms)},
          {"since", format_time(item->since_ms)}};
}

void print_item(const char* title, const std::optional<persistence::queue_item>& item) {
  if (!item) return void(std::cout << title << ": none\n");
  std::cout << fmt::format(
      "{}: {} (trigger {}, attempts {}, lease expiries {}, rate-limit deferrals {})\n", title,
      persistence::to_string(item->state), item->trigger, item->attempts, item->expiries,
      item->deferrals);
  if (!item->node.empty()) {
    std::cout << fmt::format("  node {} since {}, lease until {}\n", item->node,
                             format_time(item->since_ms), format_time(item->lease_until_ms));
  } else {
    std::cout << "  next run not before " << format_time(item->not_before_ms) << "\n";
  }
  if (!item->cause.empty()) std::cout << "  parked, cause: " << item->cause << "\n";
  for (const auto& error : item->errors) std::cout << "  error: " << error << "\n";
}

void print_text(const persistence::order_items& items,
                const std::vector<persistence::sync_result>& results,
                const std::vector<persistence::audit_entry>& log) {
  print_item("waiting", items.waiting);
  print_item("in flight", items.in_flight);
  std::cout << "results: " << results.size() << "\n";
  for (const auto& r : results) {
    std::cout << fmt::format(
        "  mapping {} {} {}={} {} {}\n", r.mapping_id,
        r.position_id ? "position " + std::to_string(*r.position_id) : std::string("order"),
        r.external_id_field, r.id_value, r.external_link_display_name.value_or(""),
        r.external_link_href.value_or(""));
  }
  std::cout << "audit log: " << log.size() << " entries\n";
  for (const auto& entry : log) {
    std::cout << fmt::format("  {} {} {}\n", format_time(entry.at_ms), entry.what,
                             entry.data.empty() ? "" : entry.data.dump());
  }
}

void run_explain(const explain_options& o) {
  auto access = open_queue(o.redis);
  persistence::queue_options options;
  options.keys = access.keys;
  persistence::queue_store queue(*access.connection, options);
  persistence::result_store results(*access.connection, access.keys);
  persistence::audit_log audit(*access.connection, access.keys);
  const persistence::item_ref ref{o.provider, o.event, o.order};
  auto items = must(queue.get(ref, now_ms()), "reading the queue");
  auto stored = must(results.get(ref), "reading the results");
  auto log = must(audit.read(ref, o.log_limit), "reading the audit log");
  if (!items.waiting && !items.in_flight && stored.empty() && log.empty()) {
    throw command_error(exit_not_found, "nothing known about " + o.event + " " + o.order +
                                            " in provider " + o.provider);
  }
  if (!o.redis.json) return print_text(items, stored, log);
  nlohmann::json out = {{"provider", o.provider},
                        {"event", o.event},
                        {"order", o.order},
                        {"waiting", item_json(items.waiting)},
                        {"in_flight", item_json(items.in_flight)}};
  out["results"] = nlohmann::json::array();
  for (const auto& r : stored) out["results"].push_back(mapping::to_json(r));
  out["log"] = nlohmann::json::array();
  for (const auto& e : log) {
    nlohmann::json entry = e.data;
    entry["at"] = format_time(e.at_ms);
    entry["what"] = e.what;
    out["log"].push_back(entry);
  }
  std::cout << out.dump(2) << "\n";
}

}  // namespace

void register_explain_command(CLI::App& app, command_action& run) {
  auto o = std::make_shared<explain_options>();
  auto* cmd = app.add_subcommand("explain", "Everything known about one order in a provider");
  cmd->add_option("--provider", o->provider, "Provider id")->required();
  cmd->add_option("--event", o->event, "Event (organizer/event)")->required();
  cmd->add_option("--order", o->order, "Order code")->required();
  cmd->add_option("--log-limit", o->log_limit, "Audit log entries shown (1-1000)")
      ->check(CLI::Range(1, 1000));
  add_redis_options(*cmd, o->redis);
  cmd->callback([o, &run] { run = [o] { run_explain(*o); }; });
}

}  // namespace tixsync::app
