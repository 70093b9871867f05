// queue_store: construction, shared plumbing, enqueue, claim and renew. The transitions after a
// sync are in queue_finish.cpp, a person's actions in queue_manual.cpp, reads in queue_queries.cpp.
#include "persistence/queue_store.hpp"

#include <nlohmann/json.hpp>

#include "persistence/queue_codec.hpp"
#include "persistence/queue_internal.hpp"

namespace tixsync::persistence {

queue_store::queue_store(redis_connection& connection, queue_options options)
    : connection_(connection), scripts_(connection), options_(std::move(options)) {}

std::vector<std::string> queue_store::base_args(std::int64_t now_ms) const {
  return {std::to_string(now_ms), std::to_string(options_.audit_log_cap),
          std::to_string(options_.audit_log_retention_ms)};
}

status queue_store::check_provider(const std::string& provider) const {
  if (!options_.keys.valid()) return options_.keys.valid();
  return validate_identifier("provider", provider);
}

status_or<redis_value> queue_store::run_one(script_call call) {
  return scripts_.run(call);
}

// One MSET for the whole batch: with appendfsync always Redis fsyncs once per event-loop pass
// that wrote, and one large command is executed (and fsynced) once, when it has fully arrived.
// (On Redis Cluster a client would split it per slot; snapshot keys are tagged by event.)
// MSET drops a TTL the snapshot had; keep_snapshots() does so for the others after the scripts.
status queue_store::write_snapshots(const std::vector<enqueue_request>& requests) {
  std::vector<std::vector<std::string>> cmds(1, {"MSET"});
  for (const auto& r : requests) {
    if (!r.order_json) continue;
    cmds[0].push_back(options_.keys.order_snapshot(r.ref.event, r.ref.order));
    cmds[0].push_back(*r.order_json);
  }
  if (cmds[0].size() == 1) return {};
  auto replies = connection_.pipeline(cmds);
  if (!replies) return replies.error();
  for (const auto& r : *replies) {
    if (r.is_error()) return {persistence_errc::server_error, "storing snapshots: " + r.str};
  }
  return {};
}

status_or<enqueue_result> queue_store::enqueue(const enqueue_request& request,
                                               std::int64_t now_ms) {
  auto results = enqueue_many({request}, now_ms);
  if (!results) return results.error();
  return results->front();
}

status_or<std::vector<enqueue_result>> queue_store::enqueue_many(
    const std::vector<enqueue_request>& requests, std::int64_t now_ms) {
  if (auto s = detail::check_time(now_ms); !s) return s;
  for (std::size_t i = 0; i < requests.size(); ++i) {
    if (auto s = detail::check_enqueue(options_.keys, requests[i]); !s) {
      return status(s.code(), "request " + std::to_string(i) + ": " + s.message());
    }
  }
  // Snapshots first, so a claim that sees the item also sees the newest order JSON.
  if (auto s = write_snapshots(requests); !s) return s;

  std::vector<script_call> calls;
  std::vector<std::vector<std::size_t>> members;  // request indexes per call
  for (const auto& group : detail::group_by_provider(requests, options_.enqueue_chunk)) {
    script_call call{"enqueue", options_.keys.queue(requests[group.front()].ref.provider).all(),
                     base_args(now_ms)};
    for (std::size_t i : group) {
      const auto& r = requests[i];
      call.keys.push_back(options_.keys.audit_log(r.ref));
      call.args.insert(call.args.end(),
                       {r.ref.id(), r.trigger,
                        r.not_before_ms ? std::to_string(*r.not_before_ms) : std::string()});
    }
    calls.push_back(std::move(call));
    members.push_back(group);
  }
  auto replies = scripts_.run_many(calls);
  if (!replies) return replies.error();
  if (auto s = keep_snapshots(requests); !s) return s;
  std::vector<enqueue_result> out(requests.size());
  for (std::size_t c = 0; c < calls.size(); ++c) {
    const auto& codes = (*replies)[c];
    if (!codes.is_array() || codes.elements.size() != members[c].size()) {
      return status(persistence_errc::protocol_error, "enqueue: unexpected script reply");
    }
    for (std::size_t k = 0; k < members[c].size(); ++k) {
      const auto code = codes.elements[k].integer;
      out[members[c][k]] = enqueue_result{(code & 1) != 0, (code & 2) != 0};
    }
  }
  return out;
}

status queue_store::check_claim(const std::string& provider, const std::string& node,
                                std::size_t max_items, std::int64_t lease_ms,
                                std::int64_t now_ms) const {
  if (auto s = check_provider(provider); !s) return s;
  if (auto s = validate_identifier("node", node); !s) return s;
  if (auto s = detail::check_time(now_ms); !s) return s;
  if (max_items < 1 || max_items > 10000 || lease_ms <= 0) {
    return {persistence_errc::invalid_argument, "claim needs 1..10000 items and a positive lease"};
  }
  return {};
}

script_call queue_store::claim_call(const std::string& provider, const std::string& node,
                                    std::size_t max_items, std::int64_t lease_ms,
                                    std::int64_t now_ms) const {
  auto args = base_args(now_ms);
  args.insert(args.end(), {node, std::to_string(now_ms + lease_ms), std::to_string(max_items),
                           std::to_string(options_.promote_limit)});
  auto keys = options_.keys.queue(provider).all();
  keys.push_back(options_.keys.provider_pause(provider));  // KEYS[11]: a paused provider
  return {"claim", std::move(keys), std::move(args)};
}

status_or<std::int64_t> queue_store::read_claim(const std::string& provider,
                                                const redis_value& reply, std::int64_t now_ms,
                                                std::vector<claimed_item>& out) {
  if (!reply.is_array() || reply.elements.empty() || (reply.elements.size() - 1) % 3 != 0) {
    return status(persistence_errc::protocol_error, "claim: unexpected script reply");
  }
  const auto& e = reply.elements;
  for (std::size_t i = 1; i + 2 < e.size(); i += 3) {
    item_ref ref;
    if (!parse_item_id(provider, e[i].str, ref)) {
      return status(persistence_errc::protocol_error, "claim: bad item id " + e[i].str);
    }
    auto item = decode_item(ref, e[i + 2].str, {true, false, now_ms});
    if (!item) return item.error();
    out.push_back(claimed_item{std::move(*item)});
  }
  return e[0].integer;
}

status_or<std::vector<claimed_item>> queue_store::claim(const std::string& provider,
                                                        const std::string& node,
                                                        std::size_t max_items,
                                                        std::int64_t lease_ms,
                                                        std::int64_t now_ms) {
  if (auto s = check_claim(provider, node, max_items, lease_ms, now_ms); !s) return s;
  std::vector<claimed_item> out;
  for (int round = 0; round < 2 && out.size() < max_items; ++round) {
    auto reply = run_one(claim_call(provider, node, max_items - out.size(), lease_ms, now_ms));
    if (!reply) return reply.error();
    auto expired = read_claim(provider, *reply, now_ms, out);
    if (!expired) return expired.error();
    if (*expired == 0) break;  // no expired leases: nothing more to find
    if (auto swept = expire_leases(provider, now_ms); !swept) return swept.error();
  }
  return out;
}

status_or<std::pair<std::vector<status>, std::vector<claimed_item>>>
queue_store::complete_and_claim(const std::vector<completion>& done, const std::string& provider,
                                const std::string& node, std::size_t max_items,
                                std::int64_t lease_ms, std::int64_t now_ms) {
  std::vector<encoded_completion> encoded;
  encoded.reserve(done.size());
  for (const auto& d : done) {
    if (!d.log_objects.is_null() && !d.log_objects.is_object() && !d.log_objects.is_array()) {
      return status(persistence_errc::invalid_argument, "log_objects must be an object or array");
    }
    encoded.push_back(encode_completion(d));
  }
  return complete_and_claim_encoded(encoded, provider, node, max_items, lease_ms, now_ms);
}

status_or<std::pair<std::vector<status>, std::vector<claimed_item>>>
queue_store::complete_and_claim_encoded(const std::vector<encoded_completion>& done,
                                        const std::string& provider, const std::string& node,
                                        std::size_t max_items, std::int64_t lease_ms,
                                        std::int64_t now_ms) {
  if (auto s = check_claim(provider, node, max_items, lease_ms, now_ms); !s) return s;
  std::vector<script_call> calls;
  std::vector<std::vector<std::size_t>> members;
  std::vector<lease> held;
  if (auto s = complete_calls(done, now_ms, calls, members, held); !s) return s;
  calls.push_back(claim_call(provider, node, max_items, lease_ms, now_ms));
  auto replies = scripts_.run_many(calls);
  if (!replies) return replies.error();
  std::pair<std::vector<status>, std::vector<claimed_item>> out;
  auto expired = read_claim(provider, replies->back(), now_ms, out.second);
  if (!expired) return expired.error();
  replies->pop_back();
  auto completed = detail::per_item_statuses(*replies, members, held, "complete");
  if (!completed) return completed.error();
  out.first = std::move(*completed);
  std::vector<item_ref> refs;
  for (const auto& l : held) refs.push_back(l.ref);
  retire_snapshots(refs, out.first);
  if (*expired > 0 && out.second.size() < max_items) {  // sweep, then top up like claim()
    auto more = claim(provider, node, max_items - out.second.size(), lease_ms, now_ms);
    if (!more) return more.error();
    for (auto& item : *more) out.second.push_back(std::move(item));
  }
  return out;
}

status_or<std::vector<status>> queue_store::renew(const std::vector<lease>& leases,
                                                  std::int64_t lease_ms, std::int64_t now_ms) {
  if (auto s = detail::check_time(now_ms); !s) return s;
  if (lease_ms <= 0) return status(persistence_errc::invalid_argument, "lease must be positive");
  for (const auto& l : leases) {
    if (auto s = validate(l.ref); !s) return s;
  }
  std::vector<script_call> calls;
  std::vector<std::vector<std::size_t>> members;
  for (const auto& group : detail::group_by_provider(leases, 1000)) {
    script_call call{"renew", options_.keys.queue(leases[group.front()].ref.provider).all(),
                     base_args(now_ms)};
    call.args.push_back(std::to_string(now_ms + lease_ms));
    for (std::size_t i : group) {
      call.args.insert(call.args.end(), {leases[i].ref.id(), std::to_string(leases[i].token)});
    }
    calls.push_back(std::move(call));
    members.push_back(group);
  }
  auto replies = scripts_.run_many(calls);
  if (!replies) return replies.error();
  return detail::per_item_statuses(*replies, members, leases, "renew");
}

}  // namespace tixsync::persistence
