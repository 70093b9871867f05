// The REST provider's per-object chain: find (get / lookup), merge (assign_properties with the
// associations), write (create / update / nothing), report (links and sync_info). Every failure
// ends the chain with a classified, redacted sync_error.
#include "providers/rest/rest_object_sync.hpp"

#include "mapping/assign_properties.hpp"
#include "providers/rest/associations.hpp"
#include "providers/rest/object_placeholders.hpp"

namespace tixsync::providers::rest {
namespace {

std::string dump(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

/// Whether writing `record` would change nothing in `existing`.
bool changes_nothing(const json& record, const json& existing) {
  for (const auto& [key, value] : record.items()) {
    const auto it = existing.find(key);
    if (it == existing.end() || *it != value) return false;
  }
  return true;
}

}  // namespace

void rest_object_sync::start(std::shared_ptr<const rest_context> context, object_request request,
                             object_completion done) {
  const std::string& type = request.object.external_object_type;
  const object_settings* object = context->settings.find(type);
  if (!object) {
    // The settings were checked against the mappings; this is a request for another mapping.
    done(object_result::failed(
        make_sync_error(sync_error_kind::config, "No REST settings for object type " + type,
                        "provider " + context->provider_id + " has no [objects." + type + "] table",
                        "rest-no-object-settings")));
    return;
  }
  auto sync = std::make_shared<rest_object_sync>(std::move(context), std::move(request),
                                                 std::move(done), *object);
  try {
    sync->find_existing();
  } catch (...) {
    sync->fail(to_sync_error(std::current_exception()));
  }
}

rest_object_sync::rest_object_sync(std::shared_ptr<const rest_context> context,
                                   object_request request, object_completion done,
                                   const object_settings& object)
    : context_(std::move(context)),
      request_(std::move(request)),
      done_(std::move(done)),
      object_(object),
      values_(placeholders_for(request_, context_->settings.base_url)) {}

void rest_object_sync::find_existing() {
  const auto& previous = request_.previous;
  if (object_.get && previous && previous->external_object_type == object_.type) {
    const auto it = previous->sync_info.find("external_id");
    if (it != previous->sync_info.end()) {
      if (auto id = external_id_text(*it)) {
        values_.external_id = *id;
        do_get();
        return;
      }
    }
  }
  do_lookup();
}

void rest_object_sync::do_get() {
  const get_endpoint& get = *object_.get;
  send({get.method, expand_url(get.url, values_), true}, {}, &rest_object_sync::on_get);
}

void rest_object_sync::on_get(const http_call& call, http::http_result result) {
  const http::http_response& response = *result.response;
  if (response.status == 404) {  // deleted or merged away since the last sync
    values_.external_id.clear();
    do_lookup();
    return;
  }
  auto body = parse_body(call, response);
  if (!body) return;
  const json* found = object_.get->result.find(*body);
  if (!found || !found->is_object()) {
    fail(bad_response_error(call, response, "no object at \"" + object_.get->result.text() + "\""));
    return;
  }
  on_found(*found, call, response);
}

void rest_object_sync::do_lookup() {
  const lookup_endpoint& lookup = object_.lookup;
  send({lookup.method, expand_url(lookup.url, values_), lookup.not_found_on_404}, {},
       &rest_object_sync::on_lookup);
}

void rest_object_sync::on_lookup(const http_call& call, http::http_result result) {
  const http::http_response& response = *result.response;
  if (response.status == 404) {
    on_found(std::nullopt, call, response);
    return;
  }
  auto body = parse_body(call, response);
  if (!body) return;
  const json* results = object_.lookup.results.find(*body);
  if (!results) {
    fail(bad_response_error(call, response,
                            "no \"" + object_.lookup.results.text() + "\" in the response"));
    return;
  }
  if (results->is_null() || (results->is_array() && results->empty())) {
    on_found(std::nullopt, call, response);
    return;
  }
  const json* first = results;
  if (results->is_array()) {
    first = &results->front();
    if (results->size() > 1) lookup_matches_ = results->size();
  }
  if (!first->is_object()) {
    fail(bad_response_error(call, response, "the lookup result is not an object"));
    return;
  }
  on_found(*first, call, response);
}

void rest_object_sync::on_found(std::optional<json> found, const http_call& call,
                                const http::http_response& response) {
  if (found) {
    const json* id = object_.id.find(*found);
    const auto text = id ? external_id_text(*id) : std::nullopt;
    if (!text) {
      fail(bad_response_error(
          call, response,
          "the object has no external id (string or integer) at \"" + object_.id.text() + "\""));
      return;
    }
    values_.external_id = *text;
    if (lookup_matches_ && context_->log) {
      context_->log(log_level::warning,
                    "rest provider \"" + context_->provider_id + "\": order " + values_.order_code +
                        " mapping " + values_.mapping_id + ": the lookup found " +
                        std::to_string(*lookup_matches_) + " " + object_.type +
                        " objects, using the first (external id " + *text + ")");
    }
  }
  existing_ = std::move(found);
  write();
}

void rest_object_sync::write() {
  const bool is_new = !existing_;
  auto properties = request_.properties();
  for (auto& association :
       association_properties(object_, request_.mapped_objects, context_->joiner)) {
    properties.push_back(std::move(association));
  }
  record_ = mapping::assign_properties(properties, existing_.value_or(json::object()), is_new,
                                       context_->joiner);
  record_[request_.external_id_field()] = request_.id_value();
  if (!is_new && changes_nothing(record_, *existing_)) {
    succeed("nothing_to_do");
    return;
  }
  if (is_new) {
    send({object_.create.method, expand_url(object_.create.url, values_), false}, dump(record_),
         &rest_object_sync::on_created);
  } else {
    send({object_.update.method, expand_url(object_.update.url, values_), false}, dump(record_),
         &rest_object_sync::on_updated);
  }
}

void rest_object_sync::on_created(const http_call& call, http::http_result result) {
  const http::http_response& response = *result.response;
  auto body = parse_body(call, response);
  if (!body) return;
  const json* id = object_.create.id.find(*body);
  const auto text = id ? external_id_text(*id) : std::nullopt;
  if (!text) {
    fail(bad_response_error(call, response,
                            "no external id (string or integer) at \"" + object_.create.id.text() +
                                "\" in the response"));
    return;
  }
  values_.external_id = *text;
  succeed("created");
}

void rest_object_sync::on_updated(const http_call&, http::http_result) {
  succeed("updated");
}

void rest_object_sync::succeed(const std::string& action) {
  object_outcome outcome;
  if (object_.link) outcome.external_link_href = object_.link->expand(values_, true);
  if (object_.display_name) {
    outcome.external_link_display_name = object_.display_name->expand(values_, false);
  }
  outcome.sync_info = {
      {"action", action}, {"external_id", values_.external_id}, {"object_type", object_.type}};
  if (lookup_matches_) outcome.sync_info["lookup_matches"] = *lookup_matches_;
  done_(object_result::synced(std::move(outcome)));
}

void rest_object_sync::fail(sync_error error) {
  context_->redact.apply(error);
  if (context_->log) {
    context_->log(log_level::warning,
                  "rest provider \"" + context_->provider_id + "\": order " + values_.order_code +
                      " mapping " + values_.mapping_id + " (" + object_.type + ") failed [" +
                      to_string(error.kind) + " " + error.group() + "]: " + error.log_summary());
  }
  done_(object_result::failed(std::move(error)));
}

void rest_object_sync::send(http_call call, std::string body, handler next) {
  http::http_request request;
  request.method = call.method;
  request.url = call.url;
  request.common_headers = context_->headers;
  if (!body.empty()) request.headers.emplace_back("Content-Type", "application/json");
  request.body = std::move(body);
  request.timeout = context_->settings.connection.request_timeout;
  auto self = shared_from_this();
  auto on_result = [self, call, next](http::http_result result) {
    self->log_exchange(call, result);
    try {
      auto classified = classify_response(result, call);
      if (classified.kind == response_kind::failed) {
        self->fail(std::move(*classified.error));
        return;
      }
      ((*self).*next)(call, std::move(result));
    } catch (...) {
      self->fail(to_sync_error(std::current_exception()));
    }
  };
  try {
    context_->transport->send(std::move(request), std::move(on_result));
  } catch (...) {
    fail(to_sync_error(std::current_exception()));
  }
}

void rest_object_sync::log_exchange(const http_call& call, const http::http_result& result) const {
  if (!log_wanted(context_->log, log_level::debug)) return;  // one line per request: skip it
  std::string outcome;
  if (result.response) {
    outcome = std::to_string(result.response->status);
  } else {
    outcome = to_string(result.error ? result.error->kind : http::transport_error_kind::closed);
  }
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(result.elapsed).count();
  context_->log(log_level::debug, "rest provider \"" + context_->provider_id +
                                      "\": " + describe_for_log(call) + " -> " + outcome + " (" +
                                      std::to_string(ms) + " ms)");
}

std::optional<json> rest_object_sync::parse_body(const http_call& call,
                                                 const http::http_response& response) {
  json body = json::parse(response.body, nullptr, false);
  if (body.is_discarded()) {
    fail(bad_response_error(call, response, "the body is not JSON"));
    return std::nullopt;
  }
  return body;
}

}  // namespace tixsync::providers::rest
