// POST /api/v1/orders/{organizer}/{event}/{code}/forget: erases everything stored about one order
// for every configured provider (a customer's erasure request), as `tixsync forget` does. 409
// while the order is queued or in flight, 404 when nothing is stored.
#include "api/json_response.hpp"
#include "api/node_api_impl.hpp"
#include "persistence/queue_store.hpp"

namespace tixsync::api {
namespace {

void post_forget(node_api::impl& api, http_request request, responder reply) {
  if (!api.authorize(request, reply, false)) return;
  std::string problem;
  const std::string event_id =
      event_id_of(request.param("organizer"), request.param("event"), problem);
  if (event_id.empty()) return void(reply.send(error_response(400, problem)));
  const std::string code = request.param("code");
  if (auto s = persistence::validate_identifier("order", code); !s.ok()) {
    return void(reply.send(bad_request("path", s.message())));
  }
  std::vector<std::string> providers;
  for (const auto& p : api.options.providers) providers.push_back(p.id);
  api.on_redis(reply, [&api, event_id, code, providers](redis_worker& worker) {
    auto report = worker.queue.forget(event_id, code, providers, unix_ms_now());
    if (!report.ok()) return persistence_error(report.error(), "forgetting the order");
    // The order code and event only: no personal data in the log.
    api.log("forgot order " + code + " of " + event_id);
    return json_response(200, {{"event", event_id},
                               {"order", code},
                               {"forgotten_for", report->providers},
                               {"snapshot", report->snapshot}});
  });
}

}  // namespace

void add_forget_routes(router& routes, node_api::impl& api) {
  routes.add("POST", "/api/v1/orders/{organizer}/{event}/{code}/forget",
             [&api](http_request r, responder reply) {
               post_forget(api, std::move(r), std::move(reply));
             });
}

}  // namespace tixsync::api
