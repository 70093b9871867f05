// Turns the providers of the config file into provider objects in a registry: type "example"
// syncs into the in-process example database, "rest" and "webhook" talk HTTP(S) to an external
// system and are wrapped in the guard that protects it (concurrency and rate limits, circuit
// breaker; providers/guard).
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "config/tixsync_config.hpp"
#include "persistence/redis_connection.hpp"
#include "providers/example/in_memory_database.hpp"
#include "providers/guard/guarded_provider.hpp"
#include "providers/log_sink.hpp"
#include "providers/registry.hpp"

namespace tixsync::app {

struct built_providers {
  std::shared_ptr<providers::provider_registry> registry;
  /// The "external system" of the providers of type "example" (one shared in-memory database).
  std::shared_ptr<providers::example::in_memory_database> example_database;
  /// The guards of the HTTP providers, for metrics and the dashboard (provider id -> guard).
  std::vector<std::pair<std::string, std::shared_ptr<providers::guard::guarded_provider>>> guards;
};

/// What building the providers needs besides the config.
struct provider_environment {
  providers::log_sink log;
  /// The node's Redis, for rate limits shared by the fleet ([providers.limits] shared = true).
  std::optional<persistence::connection_options> redis;
};

/// Builds every configured provider. Throws command_error(exit_bad_input) listing every problem
/// of a provider's settings with its location in the config.
built_providers build_providers(const config::tixsync_config& config,
                                const provider_environment& environment = {});

/// Every problem in the type-specific settings of the config's providers (the [providers.rest]
/// and [providers.webhook] tables), with locations; empty when all can be built.
std::vector<config::config_problem> check_provider_settings(const config::tixsync_config& config);

/// Whether a provider configured with these events takes orders of `event` ("organizer/slug").
bool takes_event(const config::provider_section& provider, const std::string& event);

}  // namespace tixsync::app
