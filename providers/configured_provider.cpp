// configured_provider: a provider whose settings come from the config file.
#include "providers/configured_provider.hpp"

#include <stdexcept>

namespace tixsync::providers {

configured_provider::configured_provider(provider_settings settings,
                                         std::shared_ptr<provider> inner)
    : settings_(std::move(settings)), inner_(std::move(inner)) {
  if (!inner_) throw std::invalid_argument("configured_provider needs an inner provider");
  if (settings_.identifier.empty()) throw std::invalid_argument("provider identifier is empty");
}

std::string configured_provider::display_name() const {
  return settings_.display_name.empty() ? settings_.identifier : settings_.display_name;
}

}  // namespace tixsync::providers
