// One order: GET /api/v1/orders/{organizer}/{event}/{code} (queue state, sync results with their
// links and the audit log, per provider), GET /api/v1/orders?code=CODE (the same for every event
// that has the order) and POST .../sync-now (due now from the stored snapshot).
#include "api/json_response.hpp"
#include "api/node_api_impl.hpp"
#include "mapping/sync_result.hpp"

namespace tixsync::api {
namespace {

constexpr std::size_t log_entries_shown = 50;

nlohmann::json result_json(const persistence::sync_result& r) {
  nlohmann::json action = nullptr;
  if (r.sync_info.is_object()) {
    auto it = r.sync_info.find("action");
    if (it != r.sync_info.end() && it->is_string()) action = *it;
  }
  return {{"mapping_id", r.mapping_id},
          {"position_id", r.position_id ? nlohmann::json(*r.position_id) : nlohmann::json(nullptr)},
          {"object_type", r.external_object_type},
          {"id_field", r.external_id_field},
          {"id_value", r.id_value},
          {"external_link_href", r.external_link_href ? nlohmann::json(*r.external_link_href) : nlohmann::json(nullptr)},
          {"external_link_display_name", r.external_link_display_name
                                             ? nlohmann::json(*r.external_link_display_name)
                                             : nlohmann::json(nullptr)},
          {"action", action},
          {"sync_info", r.sync_info},
          {"transmitted", iso_time_or_null(r.transmitted_ms)}};
}

/// What every provider holds about `code` of `event_id` (providers that hold nothing are left
/// out) into `out`; an error answer when Redis failed.
std::optional<http_response> order_providers(node_api::impl& api, redis_worker& worker,
                                             const std::string& event_id, const std::string& code,
                                             nlohmann::json& out) {
  out = nlohmann::json::array();
  const auto now = unix_ms_now();
  for (const auto& p : api.options.providers) {
    const persistence::item_ref ref{p.id, event_id, code};
    auto items = worker.queue.get(ref, now);
    if (!items.ok()) return persistence_error(items.error(), "reading the queue of " + p.id);
    auto results = worker.results.get(ref);
    if (!results.ok()) return persistence_error(results.error(), "reading the results of " + p.id);
    auto log = worker.audit.read(ref, log_entries_shown);
    if (!log.ok()) return persistence_error(log.error(), "reading the audit log of " + p.id);
    if (!items->waiting && !items->in_flight && results->empty() && log->empty()) continue;
    nlohmann::json entry = {{"provider", p.id}, {"display_name", p.display_name}};
    entry["items"] = nlohmann::json::array();
    if (items->in_flight) entry["items"].push_back(item_json(*items->in_flight));
    if (items->waiting) entry["items"].push_back(item_json(*items->waiting));
    entry["results"] = nlohmann::json::array();
    for (const auto& r : *results) entry["results"].push_back(result_json(r));
    entry["log"] = nlohmann::json::array();
    for (const auto& e : *log) {
      nlohmann::json line = e.data.is_object() ? e.data : nlohmann::json::object();
      line["at"] = iso_time_or_null(e.at_ms);
      line["what"] = e.what;
      entry["log"].push_back(std::move(line));
    }
    out.push_back(std::move(entry));
  }
  return std::nullopt;
}

void get_order(node_api::impl& api, http_request request, responder reply) {
  std::string problem;
  const std::string event_id = event_id_of(request.param("organizer"), request.param("event"), problem);
  if (event_id.empty()) return void(reply.send(error_response(400, problem)));
  const std::string code = request.param("code");
  if (auto s = persistence::validate_identifier("order", code); !s.ok()) {
    return void(reply.send(bad_request("path", s.message())));
  }
  api.on_redis(reply, [&api, event_id, code](redis_worker& worker) {
    nlohmann::json providers;
    if (auto failed = order_providers(api, worker, event_id, code, providers)) return *failed;
    if (providers.empty()) {
      return error_response(404, "no provider knows order " + code + " of " + event_id);
    }
    return json_response(200, {{"event", event_id}, {"order", code}, {"providers", providers}});
  });
}

/// GET /api/v1/orders?code=CODE: the order in every event with a snapshot of it or an event
/// snapshot (a bounded SCAN of the snapshot keys), each as the lookup by event shows it.
void find_order(node_api::impl& api, http_request request, responder reply) {
  const auto code = request.query_param("code");
  if (!code || code->empty()) {
    return void(reply.send(bad_request("query parameter code", "the order code is required")));
  }
  if (auto s = persistence::validate_identifier("order", *code); !s.ok()) {
    return void(reply.send(bad_request("query parameter code", s.message())));
  }
  api.on_redis(reply, [&api, code = *code](redis_worker& worker) {
    auto events = worker.snapshots.list_events(code);
    if (!events.ok()) return persistence_error(events.error(), "listing the events");
    nlohmann::json matches = nlohmann::json::array();
    for (const auto& event_id : *events) {
      nlohmann::json providers;
      if (auto failed = order_providers(api, worker, event_id, code, providers)) return *failed;
      if (providers.empty()) continue;
      matches.push_back({{"event", event_id}, {"order", code}, {"providers", providers}});
    }
    if (matches.empty())
      return error_response(404, "no provider knows order " + code + " in any event");
    return json_response(200, {{"order", code}, {"matches", matches}});
  });
}

/// The optional {"provider": "..."} of sync-now; "" for all. Sends the error and returns false.
bool sync_now_provider(node_api::impl& api, const http_request& request, const responder& reply,
                       std::string& provider) {
  if (request.body.find_first_not_of(" \t\r\n") == std::string::npos) return true;
  auto body = json_body(request, reply);
  if (!body) return false;
  if (!body->is_object()) return reply.send(bad_request("body", "expected a JSON object")), false;
  for (const auto& [key, value] : body->items()) {
    if (key != "provider") {
      return reply.send(bad_request("body." + key, "unknown key (expected provider)")), false;
    }
    if (!value.is_string()) return reply.send(bad_request("body.provider", "expected a string")), false;
    provider = value.get<std::string>();
  }
  if (!provider.empty() && !api.find_provider(provider)) {
    return reply.send(error_response(422, "body.provider: unknown provider '" + provider + "'")), false;
  }
  return true;
}

void post_sync_now(node_api::impl& api, http_request request, responder reply) {
  if (!api.authorize(request, reply, false)) return;
  std::string problem;
  const std::string event_id = event_id_of(request.param("organizer"), request.param("event"), problem);
  if (event_id.empty()) return void(reply.send(error_response(400, problem)));
  order_enqueue order;
  order.event_id = event_id;
  order.code = request.param("code");
  order.trigger = "sync_now";
  if (auto s = persistence::validate_identifier("order", order.code); !s.ok()) {
    return void(reply.send(bad_request("path", s.message())));
  }
  std::string provider;
  if (!sync_now_provider(api, request, reply, provider)) return;
  if (!provider.empty()) {
    order.providers = {provider};
  } else if (api.options.providers_for) {
    order.providers = api.options.providers_for(event_id, "");
  }
  api.on_redis(reply, [&api, order](redis_worker& worker) {
    auto snapshot = worker.snapshots.get_order(order.event_id, order.code);
    if (!snapshot.ok()) return persistence_error(snapshot.error(), "reading the order snapshot");
    if (!*snapshot) {
      return error_response(404, "no stored snapshot of order " + order.code + " of " +
                                     order.event_id + ": post the order first");
    }
    return enqueue_order(api, worker, order);
  });
}

}  // namespace

void add_order_routes(router& routes, node_api::impl& api) {
  routes.add("GET", "/api/v1/orders", [&api](http_request r, responder reply) {
    find_order(api, std::move(r), std::move(reply));
  });
  routes.add("GET", "/api/v1/orders/{organizer}/{event}/{code}", [&api](http_request r, responder reply) {
    get_order(api, std::move(r), std::move(reply));
  });
  routes.add("POST", "/api/v1/orders/{organizer}/{event}/{code}/sync-now",
             [&api](http_request r, responder reply) {
               post_sync_now(api, std::move(r), std::move(reply));
             });
}

}  // namespace tixsync::api
