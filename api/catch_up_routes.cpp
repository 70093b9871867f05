// GET /api/v1/catch-up: the catch-up of every polled event as Redis holds it (cursor, its age,
// the next poll, the last outcome, the node polling now) with this node's counts; and the
// catch-up families of /metrics.
#include <algorithm>

#include "api/catch_up_poller.hpp"
#include "api/json_response.hpp"
#include "api/prometheus_text.hpp"
#include "mapping/datetime.hpp"

namespace tixsync::api {
namespace {

/// Seconds from the cursor (pretix's time) to now; nullopt when there is none.
std::optional<double> cursor_age(const std::string& cursor) {
  auto at = mapping::parse_datetime(cursor);
  if (!at) return std::nullopt;
  const double ms = static_cast<double>(at->seconds) * 1000 + at->microsecond / 1000.0;
  return std::max(0.0, (static_cast<double>(unix_ms_now()) - ms) / 1000.0);
}

/// The holder's node and poller ("node#12345") of a lease token "<fence>:<owner>".
nlohmann::json holder_of(const std::string& token) {
  if (token.empty()) return nullptr;
  return token.substr(token.find(':') + 1);
}

nlohmann::json event_json(const std::string& event_id, const persistence::catch_up_state& s,
                          const catch_up_counts& counts) {
  auto age = cursor_age(s.cursor);
  return {
      {"event", event_id},
      {"cursor", s.cursor.empty() ? nlohmann::json() : nlohmann::json(s.cursor)},
      {"cursor_age_seconds", age ? nlohmann::json(*age) : nlohmann::json()},
      {"cursor_stored", iso_time_or_null(s.cursor_at_ms)},
      {"last_poll", iso_time_or_null(s.last_poll_ms)},
      {"last_outcome", s.last_outcome.empty() ? nlohmann::json() : nlohmann::json(s.last_outcome)},
      {"last_error", s.last_error.empty() ? nlohmann::json() : nlohmann::json(s.last_error)},
      {"next_poll", iso_time_or_null(s.next_poll_ms)},
      {"polling_now", holder_of(s.holder)},
      {"this_node", {{"polls", counts.polls}, {"orders_enqueued", counts.orders}}}};
}

http_response catch_up_view(node_api::impl& api, redis_worker& worker) {
  const auto& o = api.options;
  nlohmann::json out = {
      {"enabled", api.catch_up != nullptr},
      {"interval_seconds", o.catch_up_interval.count() / 1000.0},
      {"all_events", o.catch_up_all_events},
      {"from", o.catch_up_from.empty() ? nlohmann::json() : nlohmann::json(o.catch_up_from)},
      {"events", nlohmann::json::array()}};
  if (!api.catch_up) return json_response(200, out);
  persistence::catch_up_store store(worker.connection, worker.keys);
  const auto counts = api.catch_up->counts();
  for (const auto& event_id : api.catch_up->events()) {
    auto state = store.read(event_id);
    if (!state.ok()) return persistence_error(state.error(), "reading the catch-up of " + event_id);
    auto it = counts.find(event_id);
    out["events"].push_back(
        event_json(event_id, *state, it == counts.end() ? catch_up_counts{} : it->second));
  }
  return json_response(200, out);
}

}  // namespace

void catch_up_families(node_api::impl& api, redis_worker& worker, prometheus_text& out) {
  if (!api.catch_up) return;
  const auto counts = api.catch_up->counts();
  out.family("tixsync_catch_up_polls_total", "counter",
             "Catch-up polls of pretix's order list by this node, per event and outcome (ok, "
             "started: the first poll noted pretix's time, failed, lease_lost, stopped).");
  for (const auto& [event, c] : counts) {
    for (const auto& [outcome, n] : c.polls) {
      out.sample("tixsync_catch_up_polls_total", {{"event", event}, {"outcome", outcome}},
                 static_cast<double>(n));
    }
  }
  out.family("tixsync_catch_up_orders_enqueued_total", "counter",
             "Orders this node's catch-up polls enqueued (trigger catch_up), per event.");
  for (const auto& [event, c] : counts) {
    out.sample("tixsync_catch_up_orders_enqueued_total", {{"event", event}},
               static_cast<double>(c.orders));
  }
  out.family("tixsync_catch_up_cursor_age_seconds", "gauge",
             "Seconds since each polled event's catch-up cursor (pretix's time of the last "
             "complete poll): it grows past the interval while polls fail.");
  persistence::catch_up_store store(worker.connection, worker.keys);
  for (const auto& event : api.catch_up->events()) {
    auto state = store.read(event);
    if (!state.ok()) return;
    if (auto age = cursor_age(state->cursor)) {
      out.sample("tixsync_catch_up_cursor_age_seconds", {{"event", event}}, *age);
    }
  }
}

void add_catch_up_routes(router& routes, node_api::impl& api) {
  routes.add("GET", "/api/v1/catch-up", [&api](http_request, responder reply) {
    api.on_redis(reply, [&api](redis_worker& worker) { return catch_up_view(api, worker); });
  });
}

}  // namespace tixsync::api
