// Sync results in Redis hashes: fenced writes through store_results-10.lua (text written by
// stored_json.cpp), plain reads.
#include "persistence/result_store.hpp"

#include <algorithm>

namespace tixsync::persistence {

result_store::result_store(redis_connection& connection, key_space keys)
    : connection_(connection), scripts_(connection), keys_(std::move(keys)) {}

status result_store::put(const lease& held, const std::vector<sync_result>& results,
                         std::int64_t now_ms) {
  std::vector<stored_result> stored;
  stored.reserve(results.size());
  for (const auto& r : results) stored.push_back(store_form(r));
  return put_stored(held, stored, now_ms);
}

status result_store::put_stored(const lease& held, const std::vector<stored_result>& results,
                                std::int64_t now_ms) {
  if (!keys_.valid()) return keys_.valid();
  if (auto s = validate(held.ref); !s) return s;
  if (results.empty()) return {};
  script_call call{"store_results",
                   keys_.queue(held.ref.provider).all(),
                   {std::to_string(now_ms), "0", "0", held.ref.id(), std::to_string(held.token)}};
  call.keys.push_back(keys_.results(held.ref));
  for (const auto& r : results) {
    if (r.field.empty() || r.json.empty()) {
      return {persistence_errc::invalid_argument, "a stored result needs a field and JSON"};
    }
    call.args.push_back(r.field);
    call.args.push_back(r.json);
  }
  auto reply = scripts_.run(call);
  if (!reply) return reply.error();
  if (reply->integer == 1) {
    return {persistence_errc::stale_lease, "store results of " + held.ref.id()};
  }
  return {};
}

status_or<std::vector<sync_result>> result_store::get(const item_ref& ref) {
  if (auto s = validate(ref); !s) return s;
  auto all = connection_.command({"HGETALL", keys_.results(ref)});
  if (!all) return all.error();
  if (!all->is_array()) return status(persistence_errc::server_error, all->str);
  std::vector<sync_result> out;
  for (std::size_t i = 0; i + 1 < all->elements.size(); i += 2) {
    auto r = decode_result(all->elements[i].str, all->elements[i + 1].str);
    if (!r) return r.error();
    out.push_back(std::move(*r));
  }
  std::sort(out.begin(), out.end(), [](const sync_result& a, const sync_result& b) {
    return std::make_pair(a.mapping_id, a.position_id.value_or(-1)) <
           std::make_pair(b.mapping_id, b.position_id.value_or(-1));
  });
  return out;
}

status_or<std::vector<std::vector<sync_result>>> result_store::get_many(
    const std::vector<item_ref>& refs) {
  std::vector<std::vector<std::string>> commands;
  commands.reserve(refs.size());
  for (const auto& ref : refs) commands.push_back({"HGETALL", keys_.results(ref)});
  auto replies = connection_.pipeline(commands);
  if (!replies) return replies.error();
  std::vector<std::vector<sync_result>> out(refs.size());
  for (std::size_t i = 0; i < refs.size() && i < replies->size(); ++i) {
    const auto& reply = (*replies)[i];
    for (std::size_t f = 0; f + 1 < reply.elements.size(); f += 2) {
      auto decoded = decode_result(reply.elements[f].str, reply.elements[f + 1].str);
      if (!decoded) continue;
      if (decoded->provider.empty()) decoded->provider = refs[i].provider;
      if (decoded->order_code.empty()) decoded->order_code = refs[i].order;
      out[i].push_back(std::move(*decoded));
    }
  }
  return out;
}

status_or<std::optional<sync_result>> result_store::get_one(
    const item_ref& ref, std::int64_t mapping_id, std::optional<std::int64_t> position_id) {
  if (auto s = validate(ref); !s) return s;
  const auto field = result_field(mapping_id, position_id);
  auto raw = connection_.command({"HGET", keys_.results(ref), field});
  if (!raw) return raw.error();
  if (raw->is_nil()) return std::optional<sync_result>();
  auto r = decode_result(field, raw->str);
  if (!r) return r.error();
  return std::optional<sync_result>(std::move(*r));
}

status_or<bool> result_store::unchanged(const item_ref& ref, std::int64_t mapping_id,
                                        std::optional<std::int64_t> position_id,
                                        const std::string& fingerprint) {
  auto stored = get_one(ref, mapping_id, position_id);
  if (!stored) return stored.error();
  return stored->has_value() && !fingerprint.empty() && (*stored)->fingerprint == fingerprint;
}

}  // namespace tixsync::persistence
