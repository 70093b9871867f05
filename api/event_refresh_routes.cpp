// POST /api/v1/events/{organizer}/{event}/refresh: fetches the event bundle from pretix now (the
// event, its settings, items, questions, check-in lists), replaces the cached one and stores it,
// so a changed name scheme or a new check-in list takes effect before [shop] event_refresh ends.
#include "api/event_bundle_fetch.hpp"
#include "api/json_response.hpp"
#include "api/node_api_impl.hpp"
#include "api/pretix_client.hpp"
#include "providers/http/http_client.hpp"

namespace tixsync::api {
namespace {

/// The size of the list `key` of `bundle` (0 when it is none).
std::size_t count_of(const nlohmann::json& bundle, const char* key) {
  auto it = bundle.find(key);
  return it != bundle.end() && it->is_array() ? it->size() : 0;
}

/// 400 or 422 for a path the shop token must not be used for; nullopt when it may be fetched.
std::optional<http_response> refusal(const node_api::impl& api, const std::string& organizer,
                                     const std::string& event) {
  std::string problem;
  if (event_id_of(organizer, event, problem).empty()) return error_response(400, problem);
  if (auto bad = pretix_event_problem(organizer, event); !bad.empty()) {
    return error_response(400, "path: " + bad);
  }
  if (api.options.shop_url.empty()) {
    return error_response(422, "no [shop] url configured: the event cannot be fetched");
  }
  if (api.options.shop_organizer.empty()) {
    return error_response(422,
                          "no [shop] organizer configured: events are not fetched until it "
                          "is set");
  }
  if (organizer != api.options.shop_organizer) {
    return error_response(
        422, "path: organizer '" + organizer + "' is not the configured shop organizer");
  }
  return std::nullopt;
}

/// 503 with what failed and why; the cached and the stored bundle stay as they were.
http_response refresh_failed(node_api::impl& api, const std::string& event_id,
                             const std::string& what, const pretix_answer& a) {
  const std::string why = api.pretix_failed("event refresh of " + event_id, what, a);
  return error_response(503, "pretix: " + what + ": " + why + "; the event was not refreshed");
}

void post_refresh(node_api::impl& api, http_request request, responder reply) {
  if (!api.authorize(request, reply, false)) return;
  const std::string organizer = request.param("organizer");
  const std::string event = request.param("event");
  if (auto refused = refusal(api, organizer, event)) return void(reply.send(std::move(*refused)));
  const std::string event_id = organizer + "/" + event;
  auto shop = std::make_shared<pretix_client>(*api.shop_client, api.options.shop_url,
                                              api.options.shop_token, api.options.shop_timeout);
  fetch_event_bundle(
      api, shop, organizer, event,
      [&api, shop, event_id, reply](std::string bundle, std::string what, pretix_answer failure) {
        if (bundle.empty()) return void(reply.send(refresh_failed(api, event_id, what, failure)));
        api.on_redis(reply, [event_id, bundle = std::move(bundle)](redis_worker& worker) {
          // One put: a sync reads either the bundle before or the one after, never a mix.
          auto stored = store_fetched_bundle(worker.snapshots, event_id, bundle);
          if (!stored.ok()) return persistence_error(stored, "storing event " + event_id);
          const auto parsed = nlohmann::json::parse(bundle);
          return json_response(200, {{"event", event_id},
                                     {"items", count_of(parsed, "items")},
                                     {"questions", count_of(parsed, "questions")},
                                     {"checkinlists", count_of(parsed, "checkinlists")},
                                     {"subevents", count_of(parsed, "subevents")},
                                     {"vouchers", count_of(parsed, "vouchers")}});
        });
      });
}

}  // namespace

void add_event_refresh_routes(router& routes, node_api::impl& api) {
  routes.add("POST", "/api/v1/events/{organizer}/{event}/refresh",
             [&api](http_request r, responder reply) {
               post_refresh(api, std::move(r), std::move(reply));
             });
}

}  // namespace tixsync::api
