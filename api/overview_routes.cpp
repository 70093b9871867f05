// What the dashboard's top part shows: GET /api/v1/providers and GET /api/v1/overview (counts per
// state, due backlog per event with the oldest due age, circuit state, a person's pause, nodes
// from their heartbeats, and rates computed from the node's counters between two polls).
#include <algorithm>
#include <map>

#include "api/json_response.hpp"
#include "api/node_api_impl.hpp"
#include "providers/guard/guarded_provider.hpp"

namespace tixsync::api {
namespace {

/// Due items read per provider for the backlog per event: bounds the cost of one overview.
constexpr std::size_t backlog_sample = 1000;

std::string circuit_of(const node_api::impl& api, const std::string& provider) {
  for (const auto& [id, guard] : api.options.guards) {
    if (id == provider && guard) return providers::guard::to_string(guard->stats().circuit);
  }
  return "closed";
}

/// Rates since the previous sample at least a second ago (the last rates otherwise).
nlohmann::json rates_now(node_api::impl& api) {
  const auto now = unix_ms_now();
  const std::uint64_t synced = api.counters().orders_synced;
  const std::uint64_t enqueued = api.enqueued_total();
  std::lock_guard<std::mutex> lock(api.rate_mutex);
  if (api.rate_at_ms == 0) {
    api.rate_at_ms = now;
    api.rate_synced = synced;
    api.rate_enqueued = enqueued;
  } else if (now - api.rate_at_ms >= 1000) {
    const double seconds = static_cast<double>(now - api.rate_at_ms) / 1000.0;
    api.synced_rate = static_cast<double>(synced - api.rate_synced) / seconds;
    api.enqueued_rate = static_cast<double>(enqueued - api.rate_enqueued) / seconds;
    api.rate_at_ms = now;
    api.rate_synced = synced;
    api.rate_enqueued = enqueued;
  }
  return {{"synced_per_second", api.synced_rate}, {"enqueued_per_second", api.enqueued_rate},
          {"scope", "this node"}};
}

http_response overview(node_api::impl& api, redis_worker& worker) {
  const auto now = unix_ms_now();
  nlohmann::json providers = nlohmann::json::array();
  std::vector<std::string> ids;
  for (const auto& p : api.options.providers) ids.push_back(p.id);
  auto pauses = worker.pauses.get_many(ids);
  if (!pauses.ok()) return persistence_error(pauses.error(), "reading the provider pauses");
  for (const auto& p : api.options.providers) {
    const auto& pause = (*pauses)[providers.size()];
    auto counts = worker.queue.count(p.id, now);
    if (!counts.ok()) return persistence_error(counts.error(), "counting the jobs of " + p.id);
    nlohmann::json states = nlohmann::json::object();
    for (const auto& [state, n] : counts->by_state) states[persistence::to_string(state)] = n;
    persistence::list_query due;
    due.state = persistence::item_state::due;
    due.limit = backlog_sample;
    auto page = worker.queue.list(p.id, due, now);
    if (!page.ok()) return persistence_error(page.error(), "listing the due jobs of " + p.id);
    std::map<std::string, std::pair<std::int64_t, std::int64_t>> by_event;  // count, oldest ms
    for (const auto& item : page->items) {
      auto& slot = by_event[item.ref.event];
      slot.first += 1;
      const std::int64_t since = item.not_before_ms > 0 ? item.not_before_ms : item.triggered_ms;
      slot.second = slot.second == 0 ? since : std::min(slot.second, since);
    }
    nlohmann::json events = nlohmann::json::array();
    for (const auto& [event, slot] : by_event) {
      events.push_back({{"event", event},
                        {"due", slot.first},
                        {"oldest_due_age_seconds",
                         slot.second > 0 ? std::max<double>(0, (now - slot.second) / 1000.0) : 0.0}});
    }
    providers.push_back({{"id", p.id},
                         {"display_name", p.display_name},
                         {"enabled", p.enabled},
                         {"type", p.type},
                         {"states", states},
                         {"total", counts->total()},
                         {"events", events},
                         {"backlog_sampled", page->total > backlog_sample},
                         {"circuit", circuit_of(api, p.id)},
                         {"paused", pause_json(pause)}});
  }
  nlohmann::json nodes = nlohmann::json::array();
  auto listed = worker.nodes.list(now);
  if (!listed.ok()) return persistence_error(listed.error(), "listing the nodes");
  for (const auto& n : *listed) {
    nodes.push_back({{"name", n.heartbeat.name},
                     {"alive", n.alive},
                     {"host", n.heartbeat.host},
                     {"in_flight", n.heartbeat.in_flight},
                     {"synced", n.heartbeat.synced},
                     {"http", n.heartbeat.http},
                     {"last_heartbeat", iso_time_or_null(n.heartbeat.beat_ms)}});
  }
  return json_response(200, {{"providers", providers},
                             {"nodes", nodes},
                             {"rates", rates_now(api)},
                             {"time", iso_time_or_null(now)}});
}

}  // namespace

void add_overview_routes(router& routes, node_api::impl& api) {
  routes.add_sync("GET", "/api/v1/providers", [&api](const http_request&) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& p : api.options.providers) {
      out.push_back({{"id", p.id}, {"display_name", p.display_name}, {"enabled", p.enabled},
                     {"type", p.type}, {"circuit", circuit_of(api, p.id)}});
    }
    return json_response(200, {{"providers", out}});
  });
  routes.add("GET", "/api/v1/overview", [&api](http_request, responder reply) {
    api.on_redis(reply, [&api](redis_worker& worker) { return overview(api, worker); });
  });
}

}  // namespace tixsync::api
