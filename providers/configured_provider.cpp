// configured_provider: a provider whose settings come from the config file; and
// provider_with_settings, the accessors every such provider shares.
#include "providers/configured_provider.hpp"

#include <stdexcept>

namespace tixsync::providers {

configured_provider::configured_provider(provider_settings settings,
                                         std::shared_ptr<provider> inner)
    : provider_with_settings(std::move(settings)), inner_(std::move(inner)) {
  if (!inner_) throw std::invalid_argument("configured_provider needs an inner provider");
  if (identifier().empty()) throw std::invalid_argument("provider identifier is empty");
}

std::string provider_with_settings::display_name() const {
  return settings_.display_name.empty() ? settings_.identifier : settings_.display_name;
}

}  // namespace tixsync::providers
