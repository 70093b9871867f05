// The provider side the REST and webhook providers share (see http_provider_base.hpp).
#include "providers/rest/http_provider_base.hpp"

namespace tixsync::providers::rest {

http_provider_base::~http_provider_base() {
  close();
}

void http_provider_base::close() {
  if (closed_.exchange(true)) return;
  if (release_) release_();
}

std::string http_provider_base::display_name() const {
  return settings_.display_name.empty() ? settings_.identifier : settings_.display_name;
}

std::optional<std::string> http_provider_base::joiner() const {
  if (settings_.list_joiner && settings_.list_joiner->empty()) return std::nullopt;
  return settings_.list_joiner;
}

}  // namespace tixsync::providers::rest
