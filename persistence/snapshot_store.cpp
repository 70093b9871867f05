// Order and event snapshots as plain Redis strings; batched reads with one MGET; the orders of an
// event listed with a bounded SCAN.
#include "persistence/snapshot_store.hpp"

#include <set>

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

/// `text` with Redis glob characters escaped.
std::string glob_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') out += '\\';
    out += c;
  }
  return out;
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

status snapshot_store::put_event_merged(const std::string& event, const event_merge& merge,
                                        int attempts) {
  if (auto s = check_ids(keys_, event, nullptr); !s) return s;
  const std::string key = keys_.event_snapshot(event);
  for (int attempt = 0; attempt < attempts; ++attempt) {
    const auto connects = connection_.connects();
    auto read = connection_.pipeline({{"WATCH", key}, {"GET", key}});
    if (!read) return read.error();
    const redis_value& got = (*read)[1];
    if ((*read)[0].is_error() || got.is_error()) {
      (void)connection_.command({"UNWATCH"});
      return {persistence_errc::server_error, (*read)[0].str + got.str};
    }
    const std::string json = merge(got.is_nil() ? std::nullopt : std::optional(got.str));
    if (json.empty()) {
      (void)connection_.command({"UNWATCH"});
      return {};
    }
    auto written = connection_.pipeline({{"MULTI"}, {"SET", key, json}, {"EXEC"}});
    if (!written) return written.error();
    const redis_value& exec = written->back();
    if (exec.is_error()) return {persistence_errc::server_error, exec.str};
    // A nil EXEC: another writer changed the snapshot after the GET. A new connection: the
    // WATCH did not cover the write. Either way, merge with what is stored now.
    if (!exec.is_nil() && connection_.connects() == connects) return {};
  }
  return {persistence_errc::server_error,
          "the snapshot of event " + event + " was changed by other writers " +
              std::to_string(attempts) + " times while it was being merged"};
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

namespace tixsync::persistence {

status snapshot_store::scan_keys(const std::string& pattern, const listing_limits& limits,
                                 const std::string& what,
                                 const std::function<status(const std::string&)>& each) {
  const std::string count = std::to_string(limits.scan_count > 0 ? limits.scan_count : 1000);
  const auto deadline = std::chrono::steady_clock::now() + limits.time;
  std::string cursor = "0";
  do {
    if (std::chrono::steady_clock::now() > deadline) {
      return status(persistence_errc::timeout,
                    what + " did not finish within " + std::to_string(limits.time.count()) + " ms");
    }
    auto reply = connection_.command({"SCAN", cursor, "MATCH", pattern, "COUNT", count});
    if (!reply) return reply.error();
    if (reply->is_error()) return status(persistence_errc::server_error, reply->str);
    if (!reply->is_array() || reply->elements.size() != 2) {
      return status(persistence_errc::protocol_error, "unexpected SCAN reply");
    }
    cursor = reply->elements[0].str;
    for (const auto& key : reply->elements[1].elements) {
      if (auto s = each(key.str); !s) return s;
    }
  } while (cursor != "0");
  return {};
}

status_or<std::vector<std::string>> snapshot_store::list_orders(const std::string& event,
                                                                const listing_limits& limits) {
  if (auto s = check_ids(keys_, event, nullptr); !s) return s;
  const std::string key_start = keys_.order_snapshot(event, "");
  std::set<std::string> orders;
  auto scanned = scan_keys(
      glob_escape(key_start) + "*", limits, "the snapshot scan of " + event,
      [&](const std::string& key) -> status {
        if (key.size() <= key_start.size()) return {};
        std::string code = key.substr(key_start.size());
        if (validate_identifier("order", code).ok()) orders.insert(code);
        if (orders.size() <= limits.max_orders) return {};
        return {persistence_errc::invalid_argument,
                event + " has more than " + std::to_string(limits.max_orders) + " order snapshots"};
      });
  if (!scanned) return scanned;
  return std::vector<std::string>(orders.begin(), orders.end());
}

status_or<std::vector<std::string>> snapshot_store::list_events(const std::string& order,
                                                                const listing_limits& limits) {
  if (auto s = validate_identifier("order", order); !s) return s;
  // Every snapshot key is "<start><event><end_of_event>" or "<start><event><end_of_order><code>".
  // '#' stands for the event: it cannot occur in a prefix.
  const std::string probe = keys_.event_snapshot("#");
  const std::string start = probe.substr(0, probe.find('#'));
  const std::string end_of_event = probe.substr(probe.find('#') + 1);
  const std::string order_probe = keys_.order_snapshot("#", order);
  const std::string end_of_order = order_probe.substr(order_probe.find('#') + 1);
  std::set<std::string> events;
  auto scanned = scan_keys(
      glob_escape(start) + "*", limits, "the snapshot scan for " + order,
      [&](const std::string& key) -> status {
        for (const auto* end : {&end_of_event, &end_of_order}) {
          if (key.size() <= start.size() + end->size()) continue;
          if (key.compare(key.size() - end->size(), end->size(), *end)) continue;
          events.insert(key.substr(start.size(), key.size() - start.size() - end->size()));
        }
        if (events.size() <= limits.max_orders) return {};
        return {persistence_errc::invalid_argument, "too many events"};
      });
  if (!scanned) return scanned;
  return std::vector<std::string>(events.begin(), events.end());
}

}  // namespace tixsync::persistence
