// POST /api/v1/providers/{provider}/pause (body {"reason": "..."} or empty) and .../resume: a
// person stops and restarts the syncing of one provider on every node, as `tixsync pause` and
// `tixsync resume` do. Unknown providers get 404 and change nothing.
#include "api/json_response.hpp"
#include "api/node_api_impl.hpp"

namespace tixsync::api {
namespace {

/// The reason of a pause body: "" for an empty body; nullopt after answering 400.
std::optional<std::string> reason_of(const http_request& request, const responder& reply) {
  if (request.body.empty()) return std::string();
  auto body = json_body(request, reply);
  if (!body) return std::nullopt;
  if (!body->is_object()) {
    reply.send(bad_request("body", "expected a JSON object like {\"reason\": \"...\"}"));
    return std::nullopt;
  }
  auto it = body->find("reason");
  if (it == body->end() || it->is_null()) return std::string();
  if (!it->is_string()) {
    reply.send(bad_request("body.reason", "expected a string"));
    return std::nullopt;
  }
  return it->get<std::string>();
}

void post_pause(node_api::impl& api, bool pause, http_request request, responder reply) {
  if (!api.authorize(request, reply, false)) return;
  const std::string provider = request.param("provider");
  if (!api.find_provider(provider)) {
    return void(reply.send(error_response(
        404, "provider '" + provider + "' is not configured on this node; nothing was changed")));
  }
  std::string reason;
  if (pause) {
    auto given = reason_of(request, reply);
    if (!given) return;
    reason = std::move(*given);
  }
  api.on_redis(reply, [&api, pause, provider, reason](redis_worker& worker) {
    bool was_paused = true;
    if (pause) {
      auto s = worker.pauses.pause(provider, reason, "api", unix_ms_now());
      if (!s.ok()) return persistence_error(s, "pausing " + provider);
    } else {
      auto resumed = worker.pauses.resume(provider);
      if (!resumed.ok()) return persistence_error(resumed.error(), "resuming " + provider);
      was_paused = *resumed;
    }
    api.log((pause ? "paused provider " : "resumed provider ") + provider + " (api)");
    auto state = worker.pauses.get(provider);
    if (!state.ok()) return persistence_error(state.error(), "reading the pause of " + provider);
    return json_response(
        200, {{"provider", provider}, {"paused", pause_json(*state)}, {"was_paused", was_paused}});
  });
}

}  // namespace

nlohmann::json pause_json(const persistence::pause_state& pause) {
  if (!pause.paused) return nullptr;
  return {
      {"reason", pause.reason}, {"who", pause.who}, {"since", iso_time_or_null(pause.since_ms)}};
}

void add_provider_pause_routes(router& routes, node_api::impl& api) {
  for (const bool pause : {true, false}) {
    routes.add("POST",
               pause ? "/api/v1/providers/{provider}/pause" : "/api/v1/providers/{provider}/resume",
               [&api, pause](http_request r, responder reply) {
                 post_pause(api, pause, std::move(r), std::move(reply));
               });
  }
}

}  // namespace tixsync::api
