// `tixsync pause --provider P [--reason TEXT]` and `tixsync resume --provider P`: a person stops
// and restarts the syncing of one provider for the whole fleet (the flag lives in Redis, so it
// survives restarts). Paused jobs wait without using attempts; enqueues still go in. A provider
// that is neither in --config nor known to Redis: exit 4, nothing changed.
#include <CLI/CLI.hpp>
#include <iostream>
#include <nlohmann/json.hpp>

#include "app/queue_access.hpp"
#include "persistence/provider_pause.hpp"

namespace tixsync::app {
namespace {

struct pause_options {
  redis_options redis;
  bool pause = true;
  std::string provider, reason;
  std::string who = "cli";
};

/// Refuses a provider the config does not list (or, without a config, that Redis has no queue
/// key of): a typo must not pause nothing while the operator thinks the CRM is protected.
void check_known(const pause_options& o, const queue_access& access,
                 persistence::provider_pause_store& pauses) {
  if (access.config) {
    for (const auto& p : access.config->providers) {
      if (p.id == o.provider) return;
    }
    throw command_error(exit_not_found, "provider '" + o.provider + "' is not in " +
                                            o.redis.config_path + "; nothing was changed");
  }
  if (!must(pauses.has_queue(o.provider), "looking up provider " + o.provider)) {
    throw command_error(exit_not_found, "provider '" + o.provider +
                                            "' has no queue in Redis (name it in --config to "
                                            "pause it before its first job); nothing was changed");
  }
}

void run_pause(const pause_options& o) {
  if (auto s = persistence::validate_identifier("provider", o.provider); !s.ok()) {
    throw command_error(exit_usage, "--provider: " + s.message());
  }
  auto access = open_queue(o.redis);
  persistence::provider_pause_store pauses(*access.connection, access.keys);
  check_known(o, access, pauses);
  bool was_paused = true;
  if (o.pause) {
    auto s = pauses.pause(o.provider, o.reason, o.who, now_ms());
    if (!s.ok()) fail(s, "pause " + o.provider);
  } else {
    was_paused = must(pauses.resume(o.provider), "resume " + o.provider);
  }
  if (o.redis.json) {
    std::cout << nlohmann::json{{"provider", o.provider},
                                {"paused", o.pause},
                                {"was_paused", was_paused}}
                     .dump(2)
              << "\n";
  } else if (o.pause) {
    std::cout << "paused " << o.provider << " on every node: its jobs wait until `tixsync resume"
              << " --provider " << o.provider << "`\n";
  } else {
    std::cout << (was_paused ? "resumed " : "was not paused: ") << o.provider << "\n";
  }
}

void register_verb(CLI::App& app, command_action& run, bool pause) {
  auto o = std::make_shared<pause_options>();
  o->pause = pause;
  auto* cmd = pause ? app.add_subcommand(
                          "pause", "Stop syncing a provider on every node (jobs wait, no attempts)")
                    : app.add_subcommand("resume", "Sync a paused provider again");
  cmd->add_option("--provider", o->provider, "Provider id")->required();
  if (pause) cmd->add_option("--reason", o->reason, "Why (shown on the dashboard; 200 bytes max)");
  cmd->add_option("--who", o->who, "Name recorded with the pause (default: cli)");
  add_redis_options(*cmd, o->redis);
  cmd->callback([o, &run] { run = [o] { run_pause(*o); }; });
}

}  // namespace

void register_pause_commands(CLI::App& app, command_action& run) {
  register_verb(app, run, true);
  register_verb(app, run, false);
}

}  // namespace tixsync::app
