// The webhook provider: delivers each object as one signed JSON request to a configured URL. The
// body names the order, position, mapping and object and carries the mapped properties (pretix's
// assign_properties for a new object); X-Tixsync-Signature is "t=<unix time>,v1=<hex
// HMAC-SHA256(secret, "<unix time>.<body>")>" (webhook_signature.hpp) and X-Tixsync-Timestamp the
// same unix time of sending. Asynchronous over http_transport.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "providers/configured_provider.hpp"
#include "providers/http/http_client.hpp"
#include "providers/log_sink.hpp"
#include "providers/provider.hpp"
#include "providers/rest/http_provider_base.hpp"
#include "providers/rest/webhook_settings.hpp"

namespace tixsync::providers::rest {

/// The body of one delivery: {"provider", "event", "organizer", "order_code", "position_id",
/// "mapping_id", "object_type", "id_field", "id_value", "properties": {field: value, ...}} with
/// the properties as assign_properties(properties, {}, is_new = true, joiner) returns them.
json webhook_body(const std::string& provider_id, const object_request& request,
                  const std::optional<std::string>& joiner);

/// A provider that POSTs (or PUTs) every object to a webhook. Thread-safe.
///
/// sync_info of a delivered object: {"action": "delivered", "status": <HTTP status>}.
class webhook_provider final : public http_provider_base {
 public:
  /// `webhook` must have been read without problems (read_webhook_settings).
  webhook_provider(provider_settings settings, webhook_settings webhook,
                   std::shared_ptr<http::http_transport> transport, log_sink log = {});
  /// Calls close() while the provider's own state still exists.
  ~webhook_provider() override;

  void sync_object(object_request request, object_completion done) override;

  const webhook_settings& settings() const;

 private:
  struct context;
  std::shared_ptr<const context> context_;
};

}  // namespace tixsync::providers::rest
