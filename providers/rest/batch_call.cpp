// One batch of a REST object type: read (when needed), merge, write, and each object's outcome
// from the answer. A failed call fails every object still waiting with the same error; a record
// the answer refuses, omits or returns twice fails only its own object.
#include "providers/rest/batch_call.hpp"

#include <set>

#include "providers/rest/object_merge.hpp"
#include "providers/rest/object_placeholders.hpp"

namespace tixsync::providers::rest {
namespace {

std::string dump(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace

void batch_call::start(std::shared_ptr<const rest_context> context, const object_settings& object,
                       std::vector<batch_entry> entries, on_finished finished, bool paced) {
  auto call = std::make_shared<batch_call>(std::move(context), object, std::move(entries),
                                           std::move(finished), paced);
  try {
    call->read_existing();
  } catch (...) {
    call->fail_all(call->all_members(), to_sync_error(std::current_exception()));
  }
}

batch_call::batch_call(std::shared_ptr<const rest_context> context, const object_settings& object,
                       std::vector<batch_entry> entries, on_finished finished, bool paced)
    : context_(std::move(context)),
      object_(object),
      batch_(*object.batch),
      finished_(std::move(finished)),
      token_at_hand_(paced) {
  std::set<std::string> seen;
  members_.reserve(entries.size());
  for (auto& entry : entries) {
    auto values = placeholders_for(entry.request, context_->settings.base_url);
    auto names = property_names(entry.request, object_);
    for (const auto& name : names) {
      values.property_names += (values.property_names.empty() ? "" : ",") + name;
      if (seen.insert(name).second) call_property_names_.push_back(name);
    }
    member m{
        std::move(entry), std::move(values), std::move(names), std::nullopt, false, json(), false};
    members_.push_back(std::move(m));
  }
  call_values_.base_url = context_->settings.base_url;
  call_values_.object_type = object_.type;
  for (const auto& name : call_property_names_) {
    call_values_.property_names += (call_values_.property_names.empty() ? "" : ",") + name;
  }
}

batch_call::~batch_call() {
  std::vector<std::string> keys;
  for (auto& m : members_) {
    // A member left without an outcome (an exception on the way) hears about it here.
    if (!m.settled) {
      m.entry.done(object_result::failed(
          make_sync_error(sync_error_kind::internal, "The batch ended without an outcome")));
    }
    keys.push_back(m.entry.key);
  }
  if (finished_) finished_(std::move(keys));
}

void batch_call::read_existing() {
  // Creates and updates need to know what exists; an upsert only for the update modes.
  std::vector<member*> readers;
  for (auto& m : members_) {
    if (!batch_.write || needs_existing_values(m.entry.request.properties())) readers.push_back(&m);
  }
  if (!batch_.read || readers.empty()) {
    write();
    return;
  }
  for (auto* m : readers) m->was_read = true;
  if (!send(*batch_.read, readers, &batch_call::on_read)) write();
}

void batch_call::on_read(const http_call& call, http::http_response response,
                         const std::vector<member*>& readers) {
  auto answer = match(call, response, readers);
  if (!answer) return;
  // A record the read does not return is new; its errors (HubSpot's OBJECT_NOT_FOUND) say so.
  for (auto* m : readers) {
    const auto it = answer->by_key.find(m->entry.key);
    if (it == answer->by_key.end() || !it->second.record) continue;
    if (it->second.ambiguous) {
      fail(*m, bad_response_error(call, response, "the read returned several records for it"));
      continue;
    }
    const json* fields = batch_.result_fields.find(*it->second.record);
    const json* id = batch_.result_id.find(*it->second.record);
    const auto id_text = id ? external_id_text(*id) : std::nullopt;
    if (!fields || !fields->is_object() || !id_text) {
      fail(*m, bad_response_error(call, response,
                                  "the record has no fields (an object) at \"" +
                                      batch_.result_fields.text() +
                                      "\" or no external id (string or integer) at \"" +
                                      batch_.result_id.text() + "\""));
      continue;
    }
    m->existing = *fields;
    m->values.external_id = *id_text;
  }
  write();
}

void batch_call::write() {
  std::vector<member*> creates;
  std::vector<member*> updates;
  for (auto& m : members_) {
    if (m.settled) continue;
    try {
      m.record = merged_record(m.entry.request, object_, m.existing, context_->joiner);
    } catch (...) {
      fail(m, to_sync_error(std::current_exception()));
      continue;
    }
    if (m.existing && changes_nothing(m.record, *m.existing)) {
      succeed(m, "nothing_to_do");
      continue;
    }
    (m.existing ? updates : creates).push_back(&m);
  }
  if (batch_.write) {
    creates.insert(creates.end(), updates.begin(), updates.end());
    if (!creates.empty()) send(*batch_.write, creates, &batch_call::on_written);
    return;
  }
  // Both calls go out together: each answer settles only its own records.
  if (!creates.empty()) send(*batch_.create, creates, &batch_call::on_written);
  if (!updates.empty()) send(*batch_.update, updates, &batch_call::on_written);
}

void batch_call::on_written(const http_call& call, http::http_response response,
                            const std::vector<member*>& writers) {
  auto answer = match(call, response, writers);
  if (!answer) return;
  for (auto* m : writers) {
    const auto it = answer->by_key.find(m->entry.key);
    settle(*m, it == answer->by_key.end() ? nullptr : &it->second, call, response);
  }
}

void batch_call::settle(member& m, const record_answer* answer, const http_call& call,
                        const http::http_response& response) {
  if (answer && !answer->errors.empty()) {
    std::string text;
    for (const auto& e : answer->errors) text += (text.empty() ? "" : "; ") + e;
    sync_error error = make_sync_error(
        sync_error_kind::unrecoverable,
        describe(call) + " refused this record (HTTP " + std::to_string(response.status) + ")",
        body_excerpt(text, 4000), "batch-record-error");
    error.messages.push_back("Message: " + body_excerpt(text));
    // The destination's words quote what it refused: they stay out of the log.
    error.log_text = describe_for_log(call) + " refused this record (HTTP " +
                     std::to_string(response.status) + ")";
    fail(m, std::move(error));
    return;
  }
  if (!answer || !answer->record) {
    const std::string what = ": the answer neither returns this record nor names it in an error";
    sync_error error = make_sync_error(sync_error_kind::recoverable, describe(call) + what, {},
                                       "batch-record-missing");
    error.log_text = describe_for_log(call) + what;
    fail(m, std::move(error));
    return;
  }
  if (answer->ambiguous) {
    fail(m, bad_response_error(call, response, "the answer returns several records for it"));
    return;
  }
  const json* id = batch_.result_id.find(*answer->record);
  const auto text = id ? external_id_text(*id) : std::nullopt;
  if (!text) {
    fail(m, bad_response_error(call, response,
                               "the record has no external id (string or integer) at \"" +
                                   batch_.result_id.text() + "\""));
    return;
  }
  m.values.external_id = *text;
  std::string action = m.was_read ? (m.existing ? "updated" : "created") : "upserted";
  if (batch_.result_created) {
    const json* created = batch_.result_created->find(*answer->record);
    if (created && created->is_boolean()) action = created->get<bool>() ? "created" : "updated";
  }
  succeed(m, action);
}

std::vector<batch_call::member*> batch_call::all_members() {
  std::vector<member*> all;
  for (auto& m : members_) all.push_back(&m);
  return all;
}

bool batch_call::endpoint_is_create(const batch_endpoint& endpoint) const {
  return batch_.create && &endpoint == &*batch_.create;
}

json batch_call::call_placeholder(placeholder name, const json& inputs) const {
  if (name == placeholder::inputs) return inputs;
  if (name == placeholder::property_names) return call_property_names_;
  return call_values_.get(name);
}

bool batch_call::send(const batch_endpoint& endpoint, const std::vector<member*>& candidates,
                      next_step next) {
  // An object whose input cannot be built (an association whose mapping did not run) fails
  // alone; the others still go.
  json inputs = json::array();
  std::vector<member*> members;
  for (auto* m : candidates) {
    try {
      inputs.push_back(endpoint.input.expand([this, m](placeholder p) {
        return object_placeholder_json(p, m->entry.request, m->values, m->property_names, m->record,
                                       object_);
      }));
      members.push_back(m);
    } catch (...) {
      fail(*m, to_sync_error(std::current_exception()));
    }
  }
  if (members.empty()) return false;
  http::http_request request;
  request.method = endpoint.method;
  request.url = expand_url(endpoint.url, call_values_);
  request.common_headers = context_->headers;
  request.headers.emplace_back("Content-Type", "application/json");
  request.body =
      dump(endpoint.body.expand([&](placeholder p) { return call_placeholder(p, inputs); }));
  request.timeout = context_->settings.connection.request_timeout;
  const http_call call{request.method, request.url, false, endpoint_is_create(endpoint)};
  if (!context_->pace_batch_call || token_at_hand_) {
    token_at_hand_ = false;
    transmit(std::move(request), call, members, next);
    return true;
  }
  auto go = [self = shared_from_this(), request = std::move(request), call, members,
             next](std::optional<sync_error> refusal) mutable {
    if (refusal) return self->fail_all(members, *refusal);
    self->transmit(std::move(request), call, members, next);
  };
  try {
    context_->pace_batch_call(std::move(go));
  } catch (...) {
    fail_all(members, to_sync_error(std::current_exception()));
  }
  return true;
}

void batch_call::transmit(http::http_request request, const http_call& call,
                          const std::vector<member*>& members, next_step next) {
  auto self = shared_from_this();
  auto on_result = [self, call, next, members](http::http_result result) {
    self->log_exchange(call, result, members.size());
    try {
      auto classified = classify_response(result, call);
      if (classified.kind != response_kind::success) {
        self->fail_all(members, *classified.error);
        return;
      }
      ((*self).*next)(call, std::move(*result.response), members);
    } catch (...) {
      self->fail_all(members, to_sync_error(std::current_exception()));
    }
  };
  try {
    context_->transport->send(std::move(request), std::move(on_result));
  } catch (...) {
    fail_all(members, to_sync_error(std::current_exception()));
  }
}

std::optional<matched_answer> batch_call::match(const http_call& call,
                                                const http::http_response& response,
                                                const std::vector<member*>& members) {
  json body = json::parse(response.body, nullptr, false);
  std::string problem = "the body is not JSON";
  std::optional<matched_answer> answer;
  if (!body.is_discarded()) {
    std::vector<std::string> keys;
    std::map<std::string, std::string> aliases;
    for (auto* m : members) {
      keys.push_back(m->entry.key);
      if (!m->values.external_id.empty()) aliases[m->values.external_id] = m->entry.key;
    }
    answer = match_answer(body, keys, aliases, batch_, problem);
  }
  if (!answer) {
    // As on the per-object path: a 2xx answer that cannot be read is not retried (a gateway's
    // HTML page would be sent again and again), each object is parked with what came back.
    fail_all(members, bad_response_error(call, response, problem));
    return std::nullopt;
  }
  if (answer->unknown_records > 0 || answer->unknown_errors > 0) {
    warn(describe_for_log(call) + " answered " + std::to_string(answer->unknown_records) +
         " record(s) and " + std::to_string(answer->unknown_errors) +
         " error(s) that match no object of the batch (ignored)");
  }
  return answer;
}

void batch_call::succeed(member& m, const std::string& action) {
  object_outcome outcome;
  if (object_.link) outcome.external_link_href = object_.link->expand(m.values, true);
  if (object_.display_name) {
    outcome.external_link_display_name = object_.display_name->expand(m.values, false);
  }
  outcome.sync_info = {
      {"action", action}, {"external_id", m.values.external_id}, {"object_type", object_.type}};
  m.settled = true;
  m.entry.done(object_result::synced(std::move(outcome)));
}

void batch_call::fail(member& m, sync_error error) {
  context_->redact.apply(error);
  warn("order " + m.values.order_code + " mapping " + m.values.mapping_id + " (" + object_.type +
       ") failed [" + to_string(error.kind) + " " + error.group() + "]: " + error.log_summary());
  m.settled = true;
  m.entry.done(object_result::failed(std::move(error)));
}

void batch_call::fail_all(const std::vector<member*>& members, const sync_error& error) {
  for (auto* m : members) {
    if (!m->settled) fail(*m, error);
  }
}

void batch_call::log_exchange(const http_call& call, const http::http_result& result,
                              std::size_t records) const {
  if (!log_wanted(context_->log, log_level::debug)) return;
  context_->log(log_level::debug,
                "rest provider \"" + context_->provider_id + "\": " + describe_for_log(call) +
                    " (" + std::to_string(records) + " records) -> " + outcome_for_log(result));
}

void batch_call::warn(const std::string& text) const {
  if (context_->log) {
    context_->log(log_level::warning, "rest provider \"" + context_->provider_id + "\": " + text);
  }
}

}  // namespace tixsync::providers::rest
