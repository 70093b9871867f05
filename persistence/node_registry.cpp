// Node heartbeats: SET with PX plus ZADD into the index, pipelined; listing reads the index and
// MGETs the heartbeat keys (a missing key = the node stopped beating).
#include "persistence/node_registry.hpp"

#include <nlohmann/json.hpp>

namespace tixsync::persistence {
namespace {

nlohmann::json to_json(const node_heartbeat& b) {
  return {{"name", b.name},         {"host", b.host},         {"pid", b.pid},
          {"started_ms", b.started_ms}, {"beat_ms", b.beat_ms}, {"concurrency", b.concurrency},
          {"in_flight", b.in_flight}, {"synced", b.synced},     {"providers", b.providers},
          {"http", b.http}};
}

node_heartbeat heartbeat_from_json(const std::string& name, const std::string& text) {
  node_heartbeat b;
  b.name = name;
  auto doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return b;
  b.host = doc.value("host", "");
  b.pid = doc.value("pid", std::int64_t{0});
  b.started_ms = doc.value("started_ms", std::int64_t{0});
  b.beat_ms = doc.value("beat_ms", std::int64_t{0});
  b.concurrency = doc.value("concurrency", 0);
  b.in_flight = doc.value("in_flight", std::int64_t{0});
  b.synced = doc.value("synced", std::int64_t{0});
  b.providers = doc.value("providers", std::vector<std::string>{});
  b.http = doc.value("http", "");
  return b;
}

}  // namespace

node_registry::node_registry(redis_connection& connection, key_space keys)
    : connection_(connection), keys_(std::move(keys)) {}

status node_registry::beat(const node_heartbeat& beat, std::chrono::milliseconds ttl) {
  if (auto s = validate_identifier("node", beat.name); !s.ok()) return s;
  if (ttl.count() <= 0) return {persistence_errc::invalid_argument, "heartbeat ttl must be > 0"};
  auto replies = connection_.pipeline(
      {{"SET", keys_.node_heartbeat(beat.name), to_json(beat).dump(), "PX",
        std::to_string(ttl.count())},
       {"ZADD", keys_.nodes(), std::to_string(beat.beat_ms), beat.name}});
  if (!replies.ok()) return replies.error();
  for (const auto& r : replies.value()) {
    if (r.is_error()) return {persistence_errc::server_error, "heartbeat: " + r.str};
  }
  return {};
}

status node_registry::leave(const std::string& node) {
  if (auto s = validate_identifier("node", node); !s.ok()) return s;
  auto reply = connection_.command({"DEL", keys_.node_heartbeat(node)});
  if (!reply.ok()) return reply.error();
  return {};
}

status_or<std::vector<node_entry>> node_registry::list(std::int64_t now_ms,
                                                       std::chrono::milliseconds forget_after) {
  const std::int64_t oldest = now_ms - forget_after.count();
  auto replies = connection_.pipeline(
      {{"ZREMRANGEBYSCORE", keys_.nodes(), "-inf", "(" + std::to_string(oldest)},
       {"ZREVRANGE", keys_.nodes(), "0", "999", "WITHSCORES"}});
  if (!replies.ok()) return replies.error();
  const auto& range = replies.value()[1];
  if (!range.is_array()) return status(persistence_errc::protocol_error, "listing nodes");
  std::vector<node_entry> nodes;
  std::vector<std::string> mget{"MGET"};
  for (std::size_t i = 0; i + 1 < range.elements.size(); i += 2) {
    node_entry entry;
    entry.heartbeat.name = range.elements[i].str;
    entry.heartbeat.beat_ms = std::stoll(range.elements[i + 1].str);
    nodes.push_back(std::move(entry));
    mget.push_back(keys_.node_heartbeat(nodes.back().heartbeat.name));
  }
  if (nodes.empty()) return nodes;
  auto beats = connection_.command(mget);
  if (!beats.ok()) return beats.error();
  if (!beats.value().is_array() || beats.value().elements.size() != nodes.size()) {
    return status(persistence_errc::protocol_error, "reading node heartbeats");
  }
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const auto& value = beats.value().elements[i];
    if (value.is_nil()) continue;  // the node stopped beating: keep the index entry's time
    nodes[i].heartbeat = heartbeat_from_json(nodes[i].heartbeat.name, value.str);
    nodes[i].alive = true;
  }
  return nodes;
}

}  // namespace tixsync::persistence
