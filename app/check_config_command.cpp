// `tixsync check-config FILE [--event EVENT.json]`: reads a config file and lists every problem
// with its location (exit 1 when there is any); with --event also checks the mappings' fields
// against that event's catalogue. With [redis] sentinels it also asks them for the master and
// connects to it (exit 3 when that fails).
#include <CLI/CLI.hpp>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>

#include "app/commands.hpp"
#include "app/input_files.hpp"
#include "app/node_http.hpp"
#include "app/provider_factory.hpp"
#include "app/queue_access.hpp"
#include "config/config_loader.hpp"

namespace tixsync::app {
namespace {

struct check_config_options {
  std::string path;
  std::string event_path;
  bool json = false;
};

nlohmann::json problems_json(const std::vector<config::config_problem>& problems) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& p : problems) {
    out.push_back({{"file", p.location.file},
                   {"line", p.location.line},
                   {"column", p.location.column},
                   {"key", p.key_path},
                   {"message", p.message}});
  }
  return out;
}

void print_summary(const config::tixsync_config& config) {
  std::size_t mappings = 0;
  for (const auto& provider : config.providers) mappings += provider.mappings.size();
  std::cout << config.path << ": ok (" << config.providers.size() << " providers, " << mappings
            << " mappings, redis "
            << (config.redis.embedded ? std::string("embedded") : config.redis.url) << ")\n";
}

/// With sentinels: a problem at `sentinels` when no master can be found through them and used.
std::optional<config::config_problem> check_sentinels(const config::tixsync_config& config) {
  const auto& redis = config.redis;
  if (redis.sentinels.empty()) return std::nullopt;
  auto o = connection_options_of(redis);
  o.connect_attempts = 1;
  persistence::redis_connection connection(o);
  auto connected = connection.connect();
  if (connected.ok()) return std::nullopt;
  return config::config_problem{redis.sentinels_location, "redis.sentinels",
                                "no usable master: " + connected.message()};
}

void run_check_config(const check_config_options& options) {
  auto loaded = config::load_config(options.path);
  if (loaded.ok()) loaded.problems = check_provider_settings(loaded.config);
  if (loaded.ok()) loaded.problems = config::check_mapping_field_names(loaded.config);
  bool redis_unavailable = false;
  if (loaded.ok()) {
    if (auto problem = check_sentinels(loaded.config)) {
      loaded.problems.push_back(std::move(*problem));
      redis_unavailable = true;
    }
  }
  if (loaded.ok() && !options.event_path.empty()) {
    auto event = load_event_bundle(options.event_path);
    mapping::field_catalogue catalogue(event);
    loaded.problems = config::check_mappings_against(loaded.config, catalogue);
  }
  // Warnings about the config as a whole (no line of their own), after the per-key ones.
  auto whole_config_warnings =
      loaded.ok() ? webhook_warnings(loaded.config) : std::vector<std::string>{};
  if (loaded.ok()) {
    for (auto& w : catch_up_warnings(loaded.config)) whole_config_warnings.push_back(std::move(w));
  }
  if (options.json) {
    nlohmann::json out = {{"file", options.path},
                          {"ok", loaded.ok()},
                          {"problems", problems_json(loaded.problems)},
                          {"warnings", problems_json(loaded.warnings)}};
    for (const auto& w : whole_config_warnings) out["warnings"].push_back(nlohmann::json::object({{"message", w}}));
    std::cout << out.dump(2) << "\n";
  } else {
    for (const auto& w : loaded.warnings) std::cerr << "warning: " << w.to_string() << "\n";
    for (const auto& w : whole_config_warnings) std::cerr << "warning: " << w << "\n";
    if (loaded.ok()) {
      print_summary(loaded.config);
    } else {
      std::cout << config::format_problems(loaded.problems);
    }
  }
  if (!loaded.ok()) {
    std::cout.flush();  // the problems before the summary on stderr
    throw command_error(redis_unavailable ? exit_unavailable : exit_bad_input,
                        std::to_string(loaded.problems.size()) + " problem(s) in " + options.path);
  }
}

}  // namespace

void register_check_config_command(CLI::App& app, command_action& run) {
  auto options = std::make_shared<check_config_options>();
  auto* cmd = app.add_subcommand("check-config", "Check a config file and list every problem");
  cmd->add_option("file", options->path, "The config file (TOML)")->required();
  cmd->add_option("--event", options->event_path,
                  "Event bundle JSON: also check the mappings' fields against its catalogue");
  cmd->add_flag("--json", options->json, "Print JSON instead of text");
  cmd->callback([options, &run] { run = [options] { run_check_config(*options); }; });
}

}  // namespace tixsync::app
