// Builds the configured providers. Type "example" syncs into an in-process database the way
// pretix's documented example does (orders and tickets with associations); "rest" and "webhook"
// are refused with a clear message until the HTTP providers exist.
#include "app/provider_factory.hpp"

#include <algorithm>

#include "app/commands.hpp"
#include "providers/configured_provider.hpp"
#include "providers/example/example_providers.hpp"

namespace tixsync::app {

built_providers build_providers(const config::tixsync_config& config) {
  built_providers built;
  built.registry = std::make_shared<providers::provider_registry>();
  built.example_database = std::make_shared<providers::example::in_memory_database>();
  for (const auto& section : config.providers) {
    if (section.type != "example") {
      throw command_error(exit_bad_input,
                          section.location.to_string() + ": provider '" + section.id +
                              "' has type '" + section.type +
                              "', which this version cannot run yet (only 'example')");
    }
    providers::provider_settings settings;
    settings.identifier = section.id;
    settings.display_name = section.display_name;
    settings.mappings = section.mappings;
    if (section.native_lists) {
      settings.list_joiner.reset();
    } else {
      settings.list_joiner = section.list_joiner;
    }
    settings.change_detection = section.change_detection;
    settings.retry = section.retry;
    auto inner = std::make_shared<providers::example::order_and_ticket_sync>(
        built.example_database, section.mappings);
    built.registry->add(
        std::make_shared<providers::configured_provider>(std::move(settings), std::move(inner)),
        section.enabled);
  }
  return built;
}

bool takes_event(const config::provider_section& provider, const std::string& event) {
  return std::any_of(provider.events.begin(), provider.events.end(),
                     [&](const std::string& e) { return e == "*" || e == event; });
}

}  // namespace tixsync::app
