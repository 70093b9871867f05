// The REST provider: syncs each object into a JSON REST API described by the config (no code per
// external system). Per object it finds the existing external object (by the external id of the
// last sync, else by a lookup on the id value), merges the mapped properties and associations
// with pretix's assign_properties, and creates, updates or leaves it alone. Asynchronous: every
// step is an http_transport request whose completion starts the next; no thread ever waits.
// Object types with a batch section are written in batch calls across orders (batch_collector).
#pragma once

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "providers/configured_provider.hpp"
#include "providers/http/http_client.hpp"
#include "providers/log_sink.hpp"
#include "providers/provider.hpp"
#include "providers/rest/http_provider_base.hpp"
#include "providers/rest/rest_object_sync.hpp"
#include "providers/rest/rest_settings.hpp"

namespace tixsync::providers::rest {

class batch_collector;

/// A provider for one REST API. Thread-safe: sync_object may be called concurrently; all state
/// of one object lives in its own chain of completions.
///
/// sync_info of a synced object: {"action": "created" | "updated" | "nothing_to_do",
/// "external_id": "<id as text>", "object_type": "<type>"}, plus "lookup_matches": N when a
/// lookup found N > 1 objects (the first is used).
class rest_provider final : public http_provider_base {
 public:
  /// `rest` must have been read without problems (read_rest_settings) for `settings.mappings`.
  /// `transport` carries every request; `log` receives one line per request (may be empty);
  /// `pacer` is asked before each batch call (empty: batch calls are not paced).
  rest_provider(provider_settings settings, rest_settings rest,
                std::shared_ptr<http::http_transport> transport, log_sink log = {},
                call_pacer pacer = {});
  /// The external object types written in batch calls.
  std::set<std::string> batched_types() const;
  /// Calls close() while the provider's own state still exists.
  ~rest_provider() override;

  /// Objects of a type with a batch section go to the provider's batcher, the others start
  /// their own chain.
  void sync_object(object_request request, object_completion done) override;
  /// Sends what the batcher holds, then runs the release function.
  void close() override;

  /// The REST settings it runs with.
  const rest_settings& settings() const;

 private:
  std::shared_ptr<const rest_context> context_;
  std::unique_ptr<batch_collector> batches_;  ///< null when no object type is batched
};

}  // namespace tixsync::providers::rest
