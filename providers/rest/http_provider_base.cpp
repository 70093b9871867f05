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

std::optional<std::string> http_provider_base::joiner() const {
  auto configured = list_joiner();
  if (configured && configured->empty()) return std::nullopt;
  return configured;
}

}  // namespace tixsync::providers::rest
