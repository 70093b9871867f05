// The REST provider: the shared context of its object syncs and the entry point that starts one.
#include "providers/rest/rest_provider.hpp"

#include <stdexcept>

#include "providers/rest/rest_object_sync.hpp"

namespace tixsync::providers::rest {

rest_provider::rest_provider(provider_settings settings, rest_settings rest,
                             std::shared_ptr<http::http_transport> transport, log_sink log)
    : http_provider_base(std::move(settings)) {
  if (!transport) throw std::invalid_argument("rest_provider: no HTTP transport");
  auto context = std::make_shared<rest_context>();
  context->provider_id = identifier();
  context->joiner = joiner();
  context->transport = std::move(transport);
  context->log = std::move(log);
  context->redact.add(rest.connection.auth);
  context->headers = std::make_shared<const http::header_list>(request_headers(rest.connection));
  context->settings = std::move(rest);
  context_ = std::move(context);
}

rest_provider::~rest_provider() {
  close();
}

void rest_provider::sync_object(object_request request, object_completion done) {
  rest_object_sync::start(context_, std::move(request), std::move(done));
}

const rest_settings& rest_provider::settings() const {
  return context_->settings;
}

}  // namespace tixsync::providers::rest
