// queue_store: the end of a sync attempt: complete (results + delete + log), reschedule after a
// recoverable error (or a rate-limit deferral), park for a person, release (a node's graceful
// give-back), and the lease sweep that ends attempts of dead nodes.
#include <nlohmann/json.hpp>

#include "persistence/queue_codec.hpp"
#include "persistence/queue_internal.hpp"
#include "persistence/queue_store.hpp"

namespace tixsync::persistence {
namespace {

// JSON text of caller data; invalid UTF-8 is replaced instead of throwing.
std::string json_text(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

encoded_completion encode_completion(const completion& done) {
  encoded_completion out;
  out.held = done.held;
  out.results.reserve(done.results.size());
  for (const auto& r : done.results) out.results.push_back(store_form(r));
  if (!done.log_objects.is_null()) out.log_objects = json_text(done.log_objects);
  out.skipped = done.skipped;
  return out;
}

status queue_store::complete(const completion& done, std::int64_t now_ms) {
  auto results = complete_many({done}, now_ms);
  if (!results) return results.error();
  return results->front();
}

status queue_store::complete_calls(const std::vector<encoded_completion>& done, std::int64_t now_ms,
                                   std::vector<script_call>& calls,
                                   std::vector<std::vector<std::size_t>>& members,
                                   std::vector<lease>& held) const {
  if (auto s = detail::check_time(now_ms); !s) return s;
  held.reserve(done.size());
  for (const auto& d : done) {
    if (auto s = validate(d.held.ref); !s) return s;
    const char open = d.log_objects.empty() ? '{' : d.log_objects.front();
    if (open != '{' && open != '[') {
      return {persistence_errc::invalid_argument, "log_objects must be an object or array"};
    }
    for (const auto& r : d.results) {
      if (r.field.empty() || r.json.empty()) {
        return {persistence_errc::invalid_argument, "a stored result needs a field and JSON"};
      }
    }
    held.push_back(d.held);
  }
  for (const auto& group : detail::group_by_provider(held, 100)) {
    script_call call{"complete", options_.keys.queue(held[group.front()].ref.provider).all(),
                     base_args(now_ms)};
    call.args.push_back(std::to_string(options_.results_ttl_ms));
    std::size_t args = call.args.size();
    for (std::size_t i : group) args += 5 + 2 * done[i].results.size();
    call.args.reserve(args);
    call.keys.reserve(call.keys.size() + 2 * group.size());
    for (std::size_t i : group) {
      const auto& d = done[i];
      call.keys.push_back(options_.keys.audit_log(d.held.ref));
      call.keys.push_back(options_.keys.results(d.held.ref));
      call.args.push_back(d.held.ref.id());
      call.args.push_back(std::to_string(d.held.token));
      call.args.push_back(d.skipped ? "skipped" : "synced");
      call.args.push_back(d.log_objects);
      call.args.push_back(std::to_string(d.results.size()));
      for (const auto& r : d.results) {
        call.args.push_back(r.field);
        call.args.push_back(r.json);
      }
    }
    calls.push_back(std::move(call));
    members.push_back(group);
  }
  return {};
}

status_or<std::vector<status>> queue_store::complete_many(const std::vector<completion>& done,
                                                          std::int64_t now_ms) {
  std::vector<encoded_completion> encoded;
  encoded.reserve(done.size());
  for (const auto& d : done) {
    if (!d.log_objects.is_null() && !d.log_objects.is_object() && !d.log_objects.is_array()) {
      return status(persistence_errc::invalid_argument, "log_objects must be an object or array");
    }
    encoded.push_back(encode_completion(d));
  }
  return complete_many_encoded(encoded, now_ms);
}

status_or<std::vector<status>> queue_store::complete_many_encoded(
    const std::vector<encoded_completion>& done, std::int64_t now_ms) {
  std::vector<script_call> calls;
  std::vector<std::vector<std::size_t>> members;
  std::vector<lease> held;
  if (auto s = complete_calls(done, now_ms, calls, members, held); !s) return s;
  auto replies = scripts_.run_many(calls);
  if (!replies) return replies.error();
  auto completed = detail::per_item_statuses(*replies, members, held, "complete");
  if (!completed) return completed;
  std::vector<item_ref> refs;
  for (const auto& l : held) refs.push_back(l.ref);
  retire_snapshots(refs, *completed);
  return completed;
}

status_or<failure_outcome> queue_store::finish(const lease& held, std::vector<std::string> args,
                                               const char* script, std::int64_t now_ms) {
  if (auto s = detail::check_time(now_ms); !s) return s;
  if (auto s = validate(held.ref); !s) return s;
  auto all_args = base_args(now_ms);
  all_args.insert(all_args.end(), {held.ref.id(), std::to_string(held.token)});
  all_args.insert(all_args.end(), args.begin(), args.end());
  auto keys = options_.keys.queue(held.ref.provider).all();
  keys.push_back(options_.keys.audit_log(held.ref));
  auto reply = run_one({script, std::move(keys), std::move(all_args)});
  if (!reply) return reply.error();
  if (reply->integer == detail::code_replaced) return failure_outcome::replaced_by_follow_up;
  if (auto s = detail::code_status(reply->integer, std::string(script) + " " + held.ref.id()); !s) {
    return s;
  }
  return failure_outcome::stored;
}

status_or<failure_outcome> queue_store::reschedule(const lease& held, std::int64_t not_before_ms,
                                                   const std::vector<std::string>& errors,
                                                   std::int64_t now_ms,
                                                   const reschedule_counts& counts) {
  if (not_before_ms < 0) {
    return status(persistence_errc::invalid_argument, "not_before must not be negative");
  }
  if (counts.deferrals && *counts.deferrals < 0) {
    return status(persistence_errc::invalid_argument, "deferrals must not be negative");
  }
  return finish(
      held,
      {std::to_string(not_before_ms), json_text(errors), counts.counts_as_attempt ? "1" : "0",
       counts.deferrals ? std::to_string(*counts.deferrals) : std::string()},
      "reschedule", now_ms);
}

status_or<std::vector<status>> queue_store::release(const std::vector<lease>& leases,
                                                    std::int64_t now_ms) {
  if (auto s = detail::check_time(now_ms); !s) return s;
  for (const auto& l : leases) {
    if (auto s = validate(l.ref); !s) return s;
  }
  if (leases.empty()) return std::vector<status>{};
  std::vector<script_call> calls;
  const auto groups = detail::group_by_provider(leases, 100);
  for (const auto& group : groups) {
    script_call call{"release",
                     options_.keys.queue(detail::provider_of(leases[group.front()])).all(),
                     base_args(now_ms)};
    for (std::size_t i : group) {
      call.keys.push_back(options_.keys.audit_log(leases[i].ref));
      call.args.insert(call.args.end(), {leases[i].ref.id(), std::to_string(leases[i].token)});
    }
    calls.push_back(std::move(call));
  }
  auto replies = scripts_.run_many(calls);
  if (!replies) return replies.error();
  // Replaced by the follow-up is a successful give-back too: the twin carries the order on.
  for (auto& reply : *replies) {
    for (auto& code : reply.elements) {
      if (code.integer == detail::code_replaced) code.integer = detail::code_ok;
    }
  }
  return detail::per_item_statuses(*replies, groups, leases, "release");
}

status_or<failure_outcome> queue_store::park(const park_request& request, std::int64_t now_ms) {
  std::string cause =
      sanitize_cause(request.cause.empty() ? error_signature(request.errors) : request.cause);
  // Cut to the limit first, then repair UTF-8 (the cut may split a character).
  std::string full = valid_utf8(request.full_message.substr(0, options_.max_full_message));
  return finish(request.held, {to_string(request.state), cause, json_text(request.errors), full},
                "park", now_ms);
}

status_or<expiry_report> queue_store::expire_leases(const std::string& provider,
                                                    std::int64_t now_ms) {
  if (auto s = check_provider(provider); !s) return s;
  if (auto s = detail::check_time(now_ms); !s) return s;
  const auto keys = options_.keys.queue(provider);
  expiry_report report;
  // Bounded: at most 50 chunks per call; a later call continues.
  for (int round = 0; round < 50; ++round) {
    auto candidates =
        connection_.command({"ZRANGEBYSCORE", keys.leases, "-inf", std::to_string(now_ms), "LIMIT",
                             "0", std::to_string(options_.expire_chunk)});
    if (!candidates) return candidates.error();
    if (!candidates->is_array()) {
      return status(persistence_errc::protocol_error, "expire: " + candidates->str);
    }
    if (candidates->elements.empty()) break;
    script_call call{"expire", keys.all(), base_args(now_ms)};
    call.args.push_back(std::to_string(options_.max_lease_expiries));
    for (const auto& id : candidates->elements) {
      item_ref ref;
      if (!parse_item_id(provider, id.str, ref)) {
        return status(persistence_errc::protocol_error, "expire: bad item id " + id.str);
      }
      call.keys.push_back(options_.keys.audit_log(ref));
      call.args.push_back(id.str);
    }
    auto reply = run_one(std::move(call));
    if (!reply) return reply.error();
    for (const auto& code : reply->elements) {
      if (code.integer == detail::code_ok) ++report.requeued;
      if (code.integer == detail::code_parked_timeout) ++report.parked_timeout;
      if (code.integer == detail::code_replaced) ++report.replaced_by_follow_up;
    }
    if (candidates->elements.size() < options_.expire_chunk) break;
  }
  return report;
}

}  // namespace tixsync::persistence
