// sync_one_object: the per-object step between evaluation and the stored result.
#include "providers/object_sync.hpp"

#include <utility>

#include "providers/fingerprint.hpp"

namespace tixsync::providers {
namespace {

/// What make_sync_result needs once the request has been moved into the provider.
struct result_key {
  std::string provider_identifier;
  std::string order_code;
  mapping::evaluated_object object;  // without its properties: they are not stored
  std::string fingerprint;
};

object_sync_outcome from_provider(const result_key& key, object_result answer) {
  object_sync_outcome out;
  out.provider_called = true;
  if (answer.error) {
    out.error = std::move(answer.error);
  } else if (answer.outcome) {
    out.result = make_sync_result(key.provider_identifier, key.order_code, key.object,
                                  std::move(*answer.outcome), key.fingerprint,
                                  to_unix_ms(sync_clock::now()));
  }
  return out;
}

}  // namespace

sync_result make_sync_result(const std::string& provider_identifier, const std::string& order_code,
                             const mapping::evaluated_object& object, object_outcome outcome,
                             std::string fingerprint, std::int64_t transmitted_ms) {
  sync_result result;
  result.provider = provider_identifier;
  result.mapping_id = object.mapping_id;
  result.order_code = order_code;
  result.position_id = object.position_id;
  result.external_object_type = object.external_object_type;
  result.external_id_field = object.external_id_field;
  result.id_value = id_value_text(object.id_value);
  result.external_link_href = std::move(outcome.external_link_href);
  result.external_link_display_name = std::move(outcome.external_link_display_name);
  // pretix stores a dict; anything else is kept under "value" rather than lost.
  if (outcome.sync_info.is_null()) {
    result.sync_info = json::object();
  } else if (outcome.sync_info.is_object()) {
    result.sync_info = std::move(outcome.sync_info);
  } else {
    result.sync_info = json::object({{"value", std::move(outcome.sync_info)}});
  }
  result.transmitted_ms = transmitted_ms;
  result.fingerprint = std::move(fingerprint);
  return result;
}

void sync_one_object(provider& target, object_request request, object_sync_callback done) {
  if (request.object.skipped()) return done({});
  std::string print = fingerprint(request.object);
  if (target.change_detection()) {
    if (auto unchanged = unchanged_result(request.previous, print)) {
      return done({std::move(unchanged), std::nullopt, false});
    }
  }
  auto key = std::make_shared<result_key>();
  key->provider_identifier = target.identifier();
  key->order_code = request.order ? request.order->code : std::string();
  // The identity of the object, without its properties (copying them would cost more).
  key->object.mapping_id = request.object.mapping_id;
  key->object.pretix_model = request.object.pretix_model;
  key->object.position_id = request.object.position_id;
  key->object.external_object_type = request.object.external_object_type;
  key->object.external_id_field = request.object.external_id_field;
  key->object.id_value = request.object.id_value;
  key->fingerprint = std::move(print);
  auto completion = make_object_completion(
      [key, done](object_result answer) { done(from_provider(*key, std::move(answer))); });
  try {
    target.sync_object(std::move(request), completion);
  } catch (...) {
    // Ignored when the provider completed before throwing: the handle counts only once.
    completion(object_result::failed(to_sync_error(std::current_exception())));
  }
}

void finalize_order(provider& target, finalize_request request,
                    std::function<void(finalize_result)> done) {
  auto completion = make_finalize_completion(std::move(done));
  try {
    target.finalize_sync_order(std::move(request), completion);
  } catch (...) {
    completion(finalize_result::failed(to_sync_error(std::current_exception())));
  }
}

}  // namespace tixsync::providers
