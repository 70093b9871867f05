// Turns the providers of the config file into provider objects in a registry: the settings every
// provider shares come from the config (configured_provider), the syncing from its type.
#pragma once

#include <memory>

#include "config/tixsync_config.hpp"
#include "providers/example/in_memory_database.hpp"
#include "providers/registry.hpp"

namespace tixsync::app {

struct built_providers {
  std::shared_ptr<providers::provider_registry> registry;
  /// The "external system" of the providers of type "example" (one shared in-memory database).
  std::shared_ptr<providers::example::in_memory_database> example_database;
};

/// Builds every configured provider. Throws command_error(exit_bad_input) naming the provider's
/// location in the config when its type cannot run in this version.
built_providers build_providers(const config::tixsync_config& config);

/// Whether a provider configured with these events takes orders of `event` ("organizer/slug").
bool takes_event(const config::provider_section& provider, const std::string& event);

}  // namespace tixsync::app
