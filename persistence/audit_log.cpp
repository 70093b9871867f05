// Reading and appending audit log entries (JSON strings in a capped, expiring Redis list).
#include "persistence/audit_log.hpp"

namespace tixsync::persistence {

using json = nlohmann::json;

audit_log::audit_log(redis_connection& connection, key_space keys, std::size_t cap,
                     std::int64_t retention_ms)
    : connection_(connection), keys_(std::move(keys)), cap_(cap), retention_ms_(retention_ms) {}

status_or<std::vector<audit_entry>> audit_log::read(const item_ref& ref, std::size_t limit) {
  if (!keys_.valid()) return keys_.valid();
  if (auto s = validate(ref); !s) return s;
  if (limit < 1 || limit > 1000) {
    return status(persistence_errc::invalid_argument, "audit log limit must be 1..1000");
  }
  auto reply =
      connection_.command({"LRANGE", keys_.audit_log(ref), "0", std::to_string(limit - 1)});
  if (!reply) return reply.error();
  if (!reply->is_array()) return status(persistence_errc::server_error, reply->str);
  std::vector<audit_entry> out;
  for (const auto& raw : reply->elements) {
    json j = json::parse(raw.str, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      return status(persistence_errc::protocol_error, "audit log entry is not JSON: " + raw.str);
    }
    audit_entry e;
    e.at_ms = j.value("at", std::int64_t{0});
    e.what = j.value("what", "");
    j.erase("at");
    j.erase("what");
    e.data = std::move(j);
    out.push_back(std::move(e));
  }
  return out;
}

status audit_log::append(const item_ref& ref, const std::string& what, const json& data,
                         std::int64_t now_ms) {
  if (!keys_.valid()) return keys_.valid();
  if (auto s = validate(ref); !s) return s;
  if (auto s = validate_identifier("audit entry kind", what); !s) return s;
  if (!data.is_null() && !data.is_object()) {
    return {persistence_errc::invalid_argument, "audit entry data must be a JSON object"};
  }
  json entry = data.is_null() ? json::object() : data;
  if (entry.contains("at") || entry.contains("what")) {
    return {persistence_errc::invalid_argument, "audit entry data must not set at/what"};
  }
  entry["at"] = now_ms;
  entry["what"] = what;
  const std::string key = keys_.audit_log(ref);
  auto replies = connection_.pipeline(
      {{"LPUSH", key, entry.dump(-1, ' ', false, json::error_handler_t::replace)},
       {"LTRIM", key, "0", std::to_string(cap_ - 1)},
       retention_ms_ > 0 ? std::vector<std::string>{"PEXPIRE", key, std::to_string(retention_ms_)}
                         : std::vector<std::string>{"PERSIST", key}});
  if (!replies) return replies.error();
  for (const auto& r : *replies) {
    if (r.is_error()) return {persistence_errc::server_error, r.str};
  }
  return {};
}

}  // namespace tixsync::persistence
