// Builds the configured providers. Type "example" syncs into an in-process database the way
// pretix's documented example does (orders and tickets with associations); "rest" and "webhook"
// are built by providers/rest from their settings tables and wrapped in a guarded_provider.
#include "app/provider_factory.hpp"

#include <algorithm>

#include "app/commands.hpp"
#include "providers/configured_provider.hpp"
#include "providers/example/example_providers.hpp"
#include "providers/rest/http_providers.hpp"

namespace tixsync::app {
namespace {

std::string key_path_of(std::size_t index) {
  return "providers[" + std::to_string(index) + "]";
}

std::shared_ptr<providers::provider> build_example(const config::provider_section& section,
                                                   const built_providers& built) {
  auto settings = providers::rest::provider_settings_of(section);
  auto inner = std::make_shared<providers::example::order_and_ticket_sync>(built.example_database,
                                                                           section.mappings);
  return std::make_shared<providers::configured_provider>(std::move(settings), std::move(inner));
}

providers::guard::guard_options guard_options_of(const config::tixsync_config& config,
                                                 const config::provider_section& section,
                                                 const provider_environment& environment) {
  providers::guard::guard_options options;
  options.limits.concurrency = section.limits.concurrency;
  options.limits.rate = section.limits.rate;
  options.limits.burst = section.limits.burst;
  options.limits.shared = section.limits.shared;
  options.limits.max_wait = section.limits.max_wait;
  options.limits.max_waiting = static_cast<std::size_t>(section.limits.max_waiting);
  options.limits.expected_nodes = section.limits.expected_nodes;
  options.circuit = {section.circuit_breaker.enabled, section.circuit_breaker.failure_threshold,
                     section.circuit_breaker.cooldown, section.circuit_breaker.max_cooldown};
  if (section.limits.shared && environment.redis) {
    options.fleet = providers::guard::fleet_options{*environment.redis, config.redis.prefix};
  }
  options.log = environment.log;
  return options;
}

/// Where the provider's responses leave the quota they announce, when it is followed.
std::shared_ptr<providers::http::quota_board> announced_quota_of(
    const config::provider_limits& limits) {
  if (!limits.follow_rate_limit_headers) return nullptr;
  providers::http::quota_header_names names;
  names.remaining = limits.remaining_header;
  names.limit = limits.limit_header;
  names.window = limits.window_header;
  names.window_in_ms = limits.window_in_ms;
  names.reset = limits.reset_header;
  return std::make_shared<providers::http::quota_board>(std::move(names));
}

/// Hands each batch call of a REST provider to its guard for a rate token. The guard is made
/// after the provider (it wraps it): `guard` is filled in then, and held weakly, since the guard
/// owns the provider.
providers::rest::call_pacer pacer_of(
    std::shared_ptr<std::weak_ptr<providers::guard::guarded_provider>> guard) {
  return [guard](std::function<void(std::optional<providers::sync_error>)> go) {
    if (auto target = guard->lock()) return target->pace_call(std::move(go));
    go(providers::make_sync_error(providers::sync_error_kind::recoverable,
                                  "The provider is shutting down", {}, "shutdown"));
  };
}

}  // namespace

built_providers build_providers(const config::tixsync_config& config,
                                const provider_environment& environment) {
  built_providers built;
  built.registry = std::make_shared<providers::provider_registry>();
  built.example_database = std::make_shared<providers::example::in_memory_database>();
  for (std::size_t i = 0; i < config.providers.size(); ++i) {
    const auto& section = config.providers[i];
    if (section.type == "example") {
      built.registry->add(build_example(section, built), section.enabled);
      continue;
    }
    std::shared_ptr<providers::provider> http;
    auto requests = std::make_shared<providers::http::request_tally>();
    auto announced = announced_quota_of(section.limits);
    auto guard_slot = std::make_shared<std::weak_ptr<providers::guard::guarded_provider>>();
    try {
      // A null transport: each HTTP provider gets its own client with its own timeouts and CA;
      // it counts its requests where the guard reports them.
      providers::rest::build_options options;
      options.key_path = key_path_of(i);
      options.request_tally = requests;
      options.announced_quota = announced;
      options.batch_pacer = pacer_of(guard_slot);
      http = providers::rest::build_http_provider(section, nullptr, environment.log, options);
    } catch (const providers::rest::settings_error& e) {
      throw command_error(exit_bad_input, e.what());
    } catch (const std::exception& e) {
      throw command_error(exit_bad_input, section.location.to_string() + ": provider '" +
                                              section.id + "': " + e.what());
    }
    auto guard_options = guard_options_of(config, section, environment);
    guard_options.http_requests = requests;
    guard_options.announced_quota = announced;
    if (auto rest = std::dynamic_pointer_cast<providers::rest::rest_provider>(http)) {
      guard_options.batched_types = rest->batched_types();
    }
    auto guarded = std::make_shared<providers::guard::guarded_provider>(std::move(guard_options),
                                                                        std::move(http));
    *guard_slot = guarded;
    built.guards.emplace_back(section.id, guarded);
    built.registry->add(guarded, section.enabled);
  }
  return built;
}

std::vector<config::config_problem> check_provider_settings(const config::tixsync_config& config) {
  std::vector<config::config_problem> problems;
  for (std::size_t i = 0; i < config.providers.size(); ++i) {
    const auto& section = config.providers[i];
    if (section.type == "example") continue;
    auto found = providers::rest::check_http_provider(section, {key_path_of(i)});
    problems.insert(problems.end(), found.begin(), found.end());
  }
  return problems;
}

bool takes_event(const config::provider_section& provider, const std::string& event) {
  return std::any_of(provider.events.begin(), provider.events.end(),
                     [&](const std::string& e) { return e == "*" || e == event; });
}

}  // namespace tixsync::app
