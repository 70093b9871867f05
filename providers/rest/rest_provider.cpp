// The REST provider: the shared context of its object syncs and the entry point that starts one.
#include "providers/rest/rest_provider.hpp"

#include <algorithm>
#include <stdexcept>

#include "providers/rest/batch_collector.hpp"
#include "providers/rest/rest_object_sync.hpp"

namespace tixsync::providers::rest {

rest_provider::rest_provider(provider_settings settings, rest_settings rest,
                             std::shared_ptr<http::http_transport> transport, log_sink log,
                             call_pacer pacer)
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
  context->pace_batch_call = std::move(pacer);
  context_ = std::move(context);
  const auto& objects = context_->settings.objects;
  if (std::any_of(objects.begin(), objects.end(), [](const auto& o) { return o.second.batch; })) {
    batches_ = std::make_unique<batch_collector>(context_);
  }
}

rest_provider::~rest_provider() {
  close();
}

void rest_provider::sync_object(object_request request, object_completion done) {
  const object_settings* object = context_->settings.find(request.object.external_object_type);
  if (batches_ && object && object->batch) {
    batches_->add(*object, std::move(request), std::move(done));
    return;
  }
  rest_object_sync::start(context_, std::move(request), std::move(done));
}

void rest_provider::close() {
  if (batches_) batches_->close();
  http_provider_base::close();
}

std::set<std::string> rest_provider::batched_types() const {
  std::set<std::string> types;
  for (const auto& [type, object] : context_->settings.objects) {
    if (object.batch) types.insert(type);
  }
  return types;
}

const rest_settings& rest_provider::settings() const {
  return context_->settings;
}

}  // namespace tixsync::providers::rest
