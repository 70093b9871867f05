// Order and event snapshots as plain Redis strings; batched reads with one MGET.
#include "persistence/snapshot_store.hpp"

namespace tixsync::persistence {
namespace {

status check_ids(const key_space& keys, const std::string& event, const std::string* order) {
  if (!keys.valid()) return keys.valid();
  if (auto s = validate_identifier("event", event, true); !s) return s;
  if (order) return validate_identifier("order", *order);
  return {};
}

status_or<std::optional<std::string>> string_or_nil(status_or<redis_value> reply) {
  if (!reply) return reply.error();
  if (reply->is_nil()) return std::optional<std::string>();
  if (reply->type != redis_value::kind::string) {
    return status(persistence_errc::server_error, reply->str);
  }
  return std::optional<std::string>(std::move(reply->str));
}

}  // namespace

snapshot_store::snapshot_store(redis_connection& connection, key_space keys, std::int64_t ttl_ms)
    : connection_(connection), keys_(std::move(keys)), ttl_ms_(ttl_ms) {}

status snapshot_store::put_order(const std::string& event, const std::string& order,
                                 const std::string& json) {
  if (auto s = check_ids(keys_, event, &order); !s) return s;
  if (json.empty()) return {persistence_errc::invalid_argument, "empty order snapshot"};
  std::vector<std::string> argv{"SET", keys_.order_snapshot(event, order), json};
  if (ttl_ms_ > 0) argv.insert(argv.end(), {"PX", std::to_string(ttl_ms_)});
  auto reply = connection_.command(argv);
  if (!reply) return reply.error();
  if (reply->is_error()) return {persistence_errc::server_error, reply->str};
  return {};
}

status snapshot_store::put_event(const std::string& event, const std::string& json) {
  if (auto s = check_ids(keys_, event, nullptr); !s) return s;
  if (json.empty()) return {persistence_errc::invalid_argument, "empty event snapshot"};
  auto reply = connection_.command({"SET", keys_.event_snapshot(event), json});
  if (!reply) return reply.error();
  if (reply->is_error()) return {persistence_errc::server_error, reply->str};
  return {};
}

status_or<std::optional<std::string>> snapshot_store::get_order(const std::string& event,
                                                                const std::string& order) {
  if (auto s = check_ids(keys_, event, &order); !s) return s;
  return string_or_nil(connection_.command({"GET", keys_.order_snapshot(event, order)}));
}

status_or<std::optional<std::string>> snapshot_store::get_event(const std::string& event) {
  if (auto s = check_ids(keys_, event, nullptr); !s) return s;
  return string_or_nil(connection_.command({"GET", keys_.event_snapshot(event)}));
}

status_or<snapshot_batch> snapshot_store::get_many(const std::vector<order_key>& orders) {
  snapshot_batch batch;
  if (orders.empty()) return batch;
  std::vector<std::string> argv{"MGET"};
  std::vector<std::string> events;
  for (const auto& o : orders) {
    if (auto s = check_ids(keys_, o.event, &o.order); !s) return s;
    argv.push_back(keys_.order_snapshot(o.event, o.order));
    bool seen = false;
    for (const auto& e : events) seen = seen || e == o.event;
    if (!seen) events.push_back(o.event);
  }
  for (const auto& e : events) argv.push_back(keys_.event_snapshot(e));
  auto reply = connection_.command(argv);
  if (!reply) return reply.error();
  if (!reply->is_array() || reply->elements.size() != orders.size() + events.size()) {
    return status(persistence_errc::server_error, "MGET snapshots: " + reply->str);
  }
  for (std::size_t i = 0; i < orders.size(); ++i) {
    auto& v = reply->elements[i];
    batch.orders.push_back(v.is_nil() ? std::nullopt
                                      : std::optional<std::string>(std::move(v.str)));
  }
  for (std::size_t i = 0; i < events.size(); ++i) {
    auto& v = reply->elements[orders.size() + i];
    if (!v.is_nil())
      batch.events[events[i]] = std::make_shared<const std::string>(std::move(v.str));
  }
  return batch;
}

}  // namespace tixsync::persistence
