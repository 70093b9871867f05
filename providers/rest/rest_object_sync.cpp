// The REST provider's per-object chain: find (get / lookup), merge (assign_properties with the
// associations), write (create / update / nothing), report (links and sync_info). Every failure
// ends the chain with a classified, redacted sync_error.
#include "providers/rest/rest_object_sync.hpp"

#include <openssl/evp.h>

#include <cctype>

#include "mapping/assign_properties.hpp"
#include "mapping/json_text.hpp"
#include "providers/rest/associations.hpp"
#include "providers/rest/json_path_scan.hpp"
#include "providers/rest/object_merge.hpp"
#include "providers/rest/object_placeholders.hpp"

namespace tixsync::providers::rest {
namespace {

/// A header value from a template: control characters (line breaks) become spaces.
std::string header_value(std::string text) {
  for (auto& c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  }
  return text;
}

std::string sha256_hex(const std::string& text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(text.data(), text.size(), digest, &size, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("SHA-256 failed (OpenSSL)");
  }
  static const char hex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < size; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 0x0f];
  }
  return out;
}

/// The id following `marker` in `text` (letters, digits, "-" and "_"), or "".
std::string id_after(const std::string& text, const std::string& marker) {
  const auto at = text.find(marker);
  if (marker.empty() || at == std::string::npos) return {};
  std::string id;
  for (auto i = at + marker.size(); i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (!std::isalnum(c) && c != '-' && c != '_') break;
    id += text[i];
  }
  return id;
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
      values_(placeholders_for(request_, context_->settings.base_url)) {
  if (!object_.uses_property_names) return;
  property_names_ = property_names(request_, object_);
  for (const auto& name : property_names_) {
    if (!values_.property_names.empty()) values_.property_names += ',';
    values_.property_names += name;
  }
}

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
  send({get.method, expand_url(get.url, values_), true}, get, body_of(get, false),
       &rest_object_sync::on_get);
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
  send({lookup.method, expand_url(lookup.url, values_), lookup.not_found_on_404}, lookup,
       body_of(lookup, false), &rest_object_sync::on_lookup);
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
  if (object_.lookup.total) {
    const json* total = object_.lookup.total->find(*body);
    if (total && total->is_number_unsigned() && total->get<std::size_t>() > 1) {
      lookup_matches_ = total->get<std::size_t>();
    }
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
    const json* fields = object_.fields.find(*found);
    if (!fields || !fields->is_object()) {
      fail(bad_response_error(
          call, response,
          "the object has no fields (an object) at \"" + object_.fields.text() + "\""));
      return;
    }
    if (!object_.fields.text().empty()) found = *fields;
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
  record_ = merged_record(request_, object_, existing_, context_->joiner);
  if (!is_new && changes_nothing(record_, *existing_)) {
    succeed("nothing_to_do");
    return;
  }
  if (is_new) {
    send({object_.create.method, expand_url(object_.create.url, values_), false, true},
         object_.create, body_of(object_.create, true), &rest_object_sync::on_created);
  } else {
    send({object_.update.method, expand_url(object_.update.url, values_), false}, object_.update,
         body_of(object_.update, true), &rest_object_sync::on_updated);
  }
}

std::string rest_object_sync::body_of(const endpoint& call, bool writes) const {
  if (call.body) {
    return mapping::json_text(
        call.body->expand([this](placeholder p) { return placeholder_json(p); }));
  }
  // The flat shape: the merged fields as they are.
  return writes ? mapping::json_text(record_) : std::string();
}

json rest_object_sync::placeholder_json(placeholder name) const {
  return object_placeholder_json(name, request_, values_, property_names_, record_, object_);
}

std::string rest_object_sync::idempotency_key() const {
  // Stable across retries of the same object, different for every other object; hashed so the
  // key carries no id value (an e-mail address) to the destination's logs.
  std::string material = "tixsync-create-v1";
  for (const std::string* part :
       {&context_->provider_id, &values_.organizer, &values_.event, &values_.order_code,
        &values_.mapping_id, &values_.position_id, &values_.object_type, &values_.id_value}) {
    material += '\0';
    material += *part;
  }
  return sha256_hex(material);
}

void rest_object_sync::on_created(const http_call& call, http::http_result result) {
  const http::http_response& response = *result.response;
  // Only the id is needed, and APIs often echo the whole object: scanned, not parsed whole.
  const scanned_value id = scan_value_at(response.body, object_.create.id);
  if (!id.is_json) {
    fail(bad_response_error(call, response, "the body is not JSON"));
    return;
  }
  const auto text = id.value ? external_id_text(*id.value) : std::nullopt;
  if (!text) {
    fail(bad_response_error(call, response,
                            "no external id (string or integer) at \"" + object_.create.id.text() +
                                "\" in the response"));
    return;
  }
  values_.external_id = *text;
  succeed("created");
}

void rest_object_sync::on_conflict(const http_call& call, const http::http_response& response) {
  conflict_seen_ = true;
  const std::string id =
      id_after(error_message(response).value_or(response.body), object_.create.existing_id_after);
  if (context_->log) {
    context_->log(log_level::info,
                  "rest provider \"" + context_->provider_id + "\": order " + values_.order_code +
                      " mapping " + values_.mapping_id + ": " + describe(call) +
                      " answered 409 (the object exists): " +
                      (id.empty() || !object_.get ? "looking it up" : "fetching it"));
  }
  lookup_matches_.reset();
  if (!id.empty() && object_.get) {
    values_.external_id = id;
    do_get();
    return;
  }
  values_.external_id.clear();
  do_lookup();
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
  auto& info = outcome.sync_info.get_ref<json::object_t&>();  // an empty object to begin with
  info.emplace("action", action);
  info.emplace("external_id", values_.external_id);
  info.emplace("object_type", object_.type);
  if (lookup_matches_) outcome.sync_info["lookup_matches"] = *lookup_matches_;
  if (conflict_seen_) outcome.sync_info["conflict"] = true;
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

void rest_object_sync::send(http_call call, const endpoint& settings, std::string body,
                            handler next) {
  http::http_request request;
  request.method = call.method;
  request.url = call.url;
  request.common_headers = context_->headers;
  for (const auto& header : settings.headers) {
    request.headers.emplace_back(header.name, header_value(header.value.expand(values_, false)));
  }
  if (call.is_create && !object_.create.idempotency_header.empty()) {
    request.headers.emplace_back(object_.create.idempotency_header, idempotency_key());
  }
  if (!body.empty()) request.headers.emplace_back("Content-Type", "application/json");
  request.body = std::move(body);
  request.timeout = context_->settings.connection.request_timeout;
  auto self = shared_from_this();
  auto on_result = [self, call, next](http::http_result result) {
    self->log_exchange(call, result);
    try {
      auto classified = classify_response(result, call);
      if (classified.kind == response_kind::failed) {
        self->on_failed(call, result, std::move(*classified.error));
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

void rest_object_sync::on_failed(const http_call& call, const http::http_result& result,
                                 sync_error error) {
  if (!result.response) {
    fail(std::move(error));
    return;
  }
  const http::http_response& response = *result.response;
  if (call.is_create && response.status == 409) {
    if (!conflict_seen_) {
      on_conflict(call, response);
      return;
    }
    // Created meanwhile, yet not found again (a search index that lags): a later attempt finds it.
    error.kind = sync_error_kind::recoverable;
    error.messages.push_back("The object exists, but was not found by its id value");
  }
  if (auto message = error_message(response)) {
    error.messages.insert(error.messages.begin() + 1, "Message: " + body_excerpt(*message));
  }
  fail(std::move(error));
}

std::optional<std::string> rest_object_sync::error_message(
    const http::http_response& response) const {
  if (!object_.error_message) return std::nullopt;
  json body = json::parse(response.body, nullptr, false);
  const json* message = body.is_discarded() ? nullptr : object_.error_message->find(body);
  if (!message || !message->is_string() || message->get<std::string>().empty()) {
    return std::nullopt;
  }
  return message->get<std::string>();
}

void rest_object_sync::log_exchange(const http_call& call, const http::http_result& result) const {
  if (!log_wanted(context_->log, log_level::debug)) return;  // one line per request: skip it
  context_->log(log_level::debug, "rest provider \"" + context_->provider_id + "\": " +
                                      describe_for_log(call) + " -> " + outcome_for_log(result));
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
