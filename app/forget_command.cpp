// `tixsync forget --event ORG/EVENT --order CODE`: erases everything stored about one order for
// every provider (a customer's erasure request): parked items, audit logs, sync results and the
// order snapshot. Refused (exit 5) while the order is queued or in flight; nothing stored: exit 4.
#include <CLI/CLI.hpp>
#include <iostream>
#include <nlohmann/json.hpp>

#include "app/queue_access.hpp"
#include "persistence/queue_store.hpp"

namespace tixsync::app {
namespace {

struct forget_options {
  redis_options redis;
  std::string event, order;
  std::vector<std::string> providers;
};

/// The providers to erase the order from: --provider, else every provider of the config.
std::vector<std::string> providers_of(const forget_options& o, const queue_access& access) {
  if (!o.providers.empty()) return o.providers;
  std::vector<std::string> out;
  if (access.config) {
    for (const auto& p : access.config->providers) out.push_back(p.id);
  }
  if (out.empty()) {
    throw command_error(exit_usage, "name the providers with --config FILE or --provider ID");
  }
  return out;
}

void run_forget(const forget_options& o) {
  auto access = open_queue(o.redis);
  const auto providers = providers_of(o, access);
  persistence::queue_store queue(*access.connection, queue_options_of(access));
  auto report = must(queue.forget(o.event, o.order, providers, now_ms()),
                     "forget " + o.event + " " + o.order);
  if (o.redis.json) {
    std::cout << nlohmann::json{{"event", o.event},
                                {"order", o.order},
                                {"forgotten_for", report.providers},
                                {"snapshot", report.snapshot}}
                     .dump(2)
              << "\n";
    return;
  }
  std::cout << "forgot order " << o.order << " of " << o.event << ": ";
  for (std::size_t i = 0; i < report.providers.size(); ++i) {
    std::cout << (i ? ", " : "") << report.providers[i];
  }
  if (report.providers.empty()) std::cout << "no provider data";
  std::cout << (report.snapshot ? "; the order snapshot" : "; no order snapshot") << "\n";
}

}  // namespace

void register_forget_command(CLI::App& app, command_action& run) {
  auto o = std::make_shared<forget_options>();
  auto* cmd = app.add_subcommand(
      "forget", "Erase everything stored about one order (results, audit log, snapshot)");
  cmd->add_option("--event", o->event, "Event of the order (organizer/event)")->required();
  cmd->add_option("--order", o->order, "Order code")->required();
  cmd->add_option("--provider", o->providers,
                  "Provider to erase it from (repeatable; default: every provider of --config)");
  add_redis_options(*cmd, o->redis);
  cmd->callback([o, &run] { run = [o] { run_forget(*o); }; });
}

}  // namespace tixsync::app
