// The webhook provider: body, signature, headers, and the delivery with the shared response
// classification; failures are redacted before they are reported or logged.
#include "providers/rest/webhook_provider.hpp"

#include <stdexcept>

#include "mapping/assign_properties.hpp"
#include "providers/rest/credentials.hpp"
#include "providers/rest/object_placeholders.hpp"
#include "providers/rest/response_classification.hpp"
#include "providers/rest/webhook_signature.hpp"

namespace tixsync::providers::rest {

struct webhook_provider::context {
  std::string provider_id;
  webhook_settings settings;
  std::optional<std::string> joiner;
  std::shared_ptr<http::http_transport> transport;
  log_sink log;
  redactor redact;
  /// Accept, extra headers, auth and Content-Type: shared by every delivery, not copied.
  std::shared_ptr<const http::header_list> headers;
};

namespace {

void log_line(const log_sink& log, log_level level, const std::string& provider_id,
              const std::string& text) {
  if (log) log(level, "webhook provider \"" + provider_id + "\": " + text);
}

}  // namespace

json webhook_body(const std::string& provider_id, const object_request& request,
                  const std::optional<std::string>& joiner) {
  const placeholder_values values = placeholders_for(request, {});
  json body = json::object();
  body["provider"] = provider_id;
  body["event"] = values.event;
  body["organizer"] = values.organizer;
  body["order_code"] = values.order_code;
  body["position_id"] =
      request.object.position_id ? json(*request.object.position_id) : json(nullptr);
  body["mapping_id"] = request.object.mapping_id;
  body["object_type"] = request.object.external_object_type;
  body["id_field"] = request.external_id_field();
  body["id_value"] = request.id_value();
  body["properties"] =
      mapping::assign_properties(request.properties(), json::object(), true, joiner);
  return body;
}

webhook_provider::webhook_provider(provider_settings settings, webhook_settings webhook,
                                   std::shared_ptr<http::http_transport> transport, log_sink log)
    : http_provider_base(std::move(settings)) {
  if (!transport) throw std::invalid_argument("webhook_provider: no HTTP transport");
  auto c = std::make_shared<context>();
  c->provider_id = identifier();
  c->joiner = joiner();
  c->transport = std::move(transport);
  c->log = std::move(log);
  c->redact.add(webhook.connection.auth);
  c->redact.add(webhook.secret.reveal());
  auto headers = request_headers(webhook.connection);
  headers.emplace_back("Content-Type", "application/json");
  c->headers = std::make_shared<const http::header_list>(std::move(headers));
  c->settings = std::move(webhook);
  context_ = std::move(c);
}

webhook_provider::~webhook_provider() {
  close();
}

const webhook_settings& webhook_provider::settings() const {
  return context_->settings;
}

void webhook_provider::sync_object(object_request request, object_completion done) {
  std::shared_ptr<const context> c = context_;
  http::http_request delivery;
  http_call call;
  try {
    delivery.method = c->settings.method;
    delivery.url = c->settings.url.expand(placeholders_for(request, {}), true);
    delivery.body = webhook_body(c->provider_id, request, c->joiner)
                        .dump(-1, ' ', false, json::error_handler_t::replace);
    delivery.common_headers = c->headers;
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(
        std::chrono::system_clock::now().time_since_epoch());
    delivery.headers.emplace_back("X-Tixsync-Timestamp", std::to_string(now.count()));
    if (!c->settings.secret.empty()) {
      delivery.headers.emplace_back(
          c->settings.signature_header,
          webhook_signature(c->settings.secret.reveal(), now.count(), delivery.body));
    }
    delivery.timeout = c->settings.connection.request_timeout;
    // The URL path of chat and automation webhooks is their secret.
    call = {delivery.method, delivery.url, false, false, true};
  } catch (...) {
    done(object_result::failed(to_sync_error(std::current_exception())));
    return;
  }
  const std::string where = "order " + (request.order ? request.order->code : std::string()) +
                            " mapping " + std::to_string(request.object.mapping_id);
  auto on_result = [c, call, where, done](http::http_result result) {
    classified_response classified = classify_response(result, call);
    if (classified.kind != response_kind::failed) {
      const int status = result.response->status;
      if (log_wanted(c->log, log_level::debug)) {  // one line per request: skip when unread
        log_line(c->log, log_level::debug, c->provider_id,
                 describe_for_log(call) + " -> " + std::to_string(status) + " (" + where + ")");
      }
      object_outcome outcome;
      outcome.sync_info = {{"action", "delivered"}, {"status", status}};
      done(object_result::synced(std::move(outcome)));
      return;
    }
    sync_error error = std::move(*classified.error);
    c->redact.apply(error);
    log_line(c->log, log_level::warning, c->provider_id,
             where + " failed [" + to_string(error.kind) + " " + error.group() +
                 "]: " + error.log_summary());
    done(object_result::failed(std::move(error)));
  };
  try {
    c->transport->send(std::move(delivery), std::move(on_result));
  } catch (...) {
    done(object_result::failed(to_sync_error(std::current_exception())));
  }
}

}  // namespace tixsync::providers::rest
