// The provider API, tixsync's OutboundSyncProvider: what a plugin author implements to sync
// pretix orders into one external system. The per-object call is asynchronous (a completion
// handle, called exactly once from any thread); blocking_provider.hpp adapts blocking code.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "mapping/evaluate.hpp"
#include "mapping/mapping_definition.hpp"
#include "mapping/order.hpp"
#include "providers/completion.hpp"
#include "providers/retry_policy.hpp"
#include "providers/sync_error.hpp"
#include "providers/sync_result.hpp"

namespace tixsync::providers {

using json = nlohmann::json;

/// Everything one object's sync needs. Owns its data (or shares immutable data), so it can be
/// moved to another thread; only `mapping` points into the provider, which outlives requests.
struct object_request {
  std::shared_ptr<const mapping::order> order;
  std::shared_ptr<const mapping::event_bundle> event;
  /// The mapping the object comes from (one of the provider's mappings()).
  const mapping::mapping_definition* mapping = nullptr;
  /// The evaluated object: position id, external object type and id field, id value and the
  /// (external field, value, mode) properties in mapping order.
  mapping::evaluated_object object;
  /// Results of the earlier mappings of this run, filtered to this object's position
  /// (filter_mapped_objects): the way to build associations between external objects.
  providers::mapped_objects mapped_objects;
  /// This object's stored result from its last successful sync, if any: update by the external
  /// id it got last time, or delete what the order no longer has.
  std::optional<sync_result> previous;

  const std::string& external_id_field() const { return object.external_id_field; }
  const json& id_value() const { return object.id_value; }
  const std::vector<mapping::property_value>& properties() const { return object.properties; }
  /// The position of an OrderPosition object; nullptr for Order objects.
  const mapping::position* position() const;
};

/// What a provider reports for a synced object (pretix's returned dict).
struct object_outcome {
  std::optional<std::string> external_link_href;
  std::optional<std::string> external_link_display_name;
  /// Extra data to store with the result (an object), visible to later mappings through
  /// mapped_objects. An "action" key is informative; "nothing_to_do" marks a no-op.
  json sync_info = json::object();
};

/// The answer of sync_object: an outcome, "skip" (not stored, null in mapped_objects; only for
/// objects that should not be synced at all, not for up-to-date ones), or an error.
struct object_result {
  std::optional<object_outcome> outcome;
  std::optional<sync_error> error;

  static object_result synced(object_outcome outcome) { return {std::move(outcome), {}}; }
  static object_result skipped() { return {}; }
  static object_result failed(sync_error error) { return {{}, std::move(error)}; }
  bool ok() const { return !error.has_value(); }
};

/// What finalize_sync_order gets: the order and every result of this run.
struct finalize_request {
  std::shared_ptr<const mapping::order> order;
  std::shared_ptr<const mapping::event_bundle> event;
  providers::mapped_objects mapped_objects;
};

/// The answer of finalize_sync_order: success, or an error.
struct finalize_result {
  std::optional<sync_error> error;

  static finalize_result succeeded() { return {}; }
  static finalize_result failed(sync_error error) { return {std::move(error)}; }
  bool ok() const { return !error.has_value(); }
};

/// Completion handles: call exactly once, from any thread. A handle dropped without a call
/// reports an internal error ("completion dropped").
using object_completion = completion<object_result>;
using finalize_completion = completion<finalize_result>;

/// A completion handle whose "dropped" result is an internal error naming the call.
object_completion make_object_completion(object_completion::callback on_result);
finalize_completion make_finalize_completion(finalize_completion::callback on_result);

/// An external system that orders are synced into. Implementations must be thread-safe:
/// sync_object is called concurrently for many objects. A provider outlives every request it
/// was given; the runtime calls close() once, after the last completion, at shutdown.
class provider {
 public:
  virtual ~provider() = default;

  /// Unique, stable name (used in the queue and stored results), e.g. "hubspot".
  virtual std::string identifier() const = 0;
  /// Name for people; defaults to the identifier.
  virtual std::string display_name() const { return identifier(); }
  /// The mappings, run in list order. Must stay valid and unchanged while the provider lives.
  virtual const std::vector<mapping::mapping_definition>& mappings() const = 0;
  /// How lists become property values: joined with this text (default ","), or kept as native
  /// JSON lists when nullopt (pretix's list_field_joiner).
  virtual std::optional<std::string> list_joiner() const { return std::string(","); }
  /// Opt-in change detection: skip objects whose fingerprint matches their last stored result.
  virtual bool change_detection() const { return false; }
  /// Backoff, max attempts and rate-limit deferrals (retry_policy.hpp).
  virtual providers::retry_policy retry_policy() const { return {}; }
  /// Attempts before a job is parked as `exceeded` (pretix: 5). Set through retry_policy().
  int max_attempts() const { return retry_policy().max_attempts; }
  /// Whether to sync the order at all; false: nothing is synced and the item is done.
  virtual bool should_sync_order(const mapping::order& order) const { return true; }

  /// Syncs one object. Must not block the calling thread: start the work and return; call
  /// `done` exactly once, from any thread, with object_result::synced/skipped/failed. May also
  /// complete before returning. An exception thrown from here is converted by
  /// to_sync_error (the provider exceptions keep their kind; others are internal).
  virtual void sync_object(object_request request, object_completion done) = 0;

  /// Called once per order after all its objects succeeded, e.g. for bulk writes. Same rules as
  /// sync_object. The default completes at once with success.
  virtual void finalize_sync_order(finalize_request request, finalize_completion done) {
    done(finalize_result::succeeded());
  }

  /// Releases resources (sessions, threads). Called once at shutdown; no calls follow.
  virtual void close() {}

  /// The evaluation options this provider implies (its list joiner).
  mapping::evaluation_options evaluation_options() const { return {list_joiner()}; }
};

}  // namespace tixsync::providers
