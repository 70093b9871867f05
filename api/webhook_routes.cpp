// POST /webhooks/pretix: pretix's order notification. The webhook token and the payload are
// checked (only the configured organizer, slugs that are no path steps), a notification already
// handled within the coalescing window is answered 200 at once, else the order (and the event
// bundle, cached for a while) is fetched from the shop's REST API with the async client, then the
// event stored and the order enqueued on a Redis worker. pretix down, 5xx, refusing the shop
// token or answering something unreadable (HTML, truncated JSON, another order): 503 and nothing
// enqueued (pretix retries the webhook), counted and logged by reason; order 404: 200 ignored.
// An order over the order bound never fits: 200, an audit entry per provider, nothing enqueued.
#include <atomic>
#include <memory>
#include <random>

#include "api/event_bundle_fetch.hpp"
#include "api/json_response.hpp"
#include "api/node_api_impl.hpp"
#include "api/pretix_client.hpp"
#include "mapping/order_reader.hpp"
#include "persistence/webhook_notifications.hpp"
#include "providers/http/http_client.hpp"

namespace tixsync::api {
namespace {

// How long a claimed notification stays marked while it is handled; a success extends the mark to
// the coalescing window, a failure removes it. Should a node die in between, pretix's retry after
// this time is handled again.
constexpr std::chrono::milliseconds claim_ttl{60000};

struct webhook_call {
  std::string organizer, event, code, action, event_id;
  std::optional<std::int64_t> notification;  ///< pretix's notification_id
  std::string claimant;                      ///< set once this call marked the notification
  order_enqueue order;
  std::string bundle;  ///< the event bundle JSON (fetched or cached)
  bool bundle_fetched = false;
};

/// A value no other webhook call uses: the mark of a notification says who set it.
std::string new_claimant(const std::string& node) {
  static const std::uint64_t salt =
      std::random_device{}() * 0x9e3779b97f4a7c15ull ^ std::random_device{}();
  static std::atomic<std::uint64_t> calls{0};
  return node + ":" + std::to_string(salt) + ":" + std::to_string(++calls);
}

/// The API token on webhooks only while no webhook token is configured (then a warning says so
/// at start); with one, the webhook token only.
bool authorize_webhook(node_api::impl& api, const http_request& request, const responder& reply) {
  if (api.options.webhook_token.empty()) return api.authorize(request, reply, true);
  return api.carries_token(request, reply, api.options.webhook_token, "webhook token", true);
}

/// Sends `response`; a failure first removes the call's mark of its notification, so pretix's
/// retry is handled again.
void finish(node_api::impl& api, const std::shared_ptr<webhook_call>& call, const responder& reply,
            http_response response) {
  if (call->claimant.empty() || response.status < 300) return void(reply.send(std::move(response)));
  api.on_redis(reply, [&api, call, response = std::move(response)](redis_worker& worker) {
    persistence::webhook_notifications marks(worker.connection, worker.keys);
    auto released = marks.release(call->event_id, call->code, *call->notification);
    if (!released.ok()) {
      api.log("webhook: the mark of notification " + std::to_string(*call->notification) +
              " stays until it expires: " + released.message());
    }
    return response;
  });
}

/// "" when the payload is usable, else what is wrong and where.
std::string check_payload(const nlohmann::json& body, webhook_call& call) {
  if (!body.is_object()) return "body: expected a JSON object";
  for (const char* key : {"organizer", "event", "code", "action"}) {
    auto it = body.find(key);
    if (it == body.end() || !it->is_string() || it->get<std::string>().empty()) {
      return std::string("body.") + key + ": expected a non-empty string";
    }
  }
  if (body.contains("notification_id") && !body["notification_id"].is_number_integer()) {
    return "body.notification_id: expected an integer";
  }
  if (body.contains("notification_id"))
    call.notification = body["notification_id"].get<std::int64_t>();
  call.organizer = body["organizer"].get<std::string>();
  call.event = body["event"].get<std::string>();
  call.code = body["code"].get<std::string>();
  call.action = body["action"].get<std::string>();
  for (const auto& [key, what, value] :
       {std::tuple{"organizer", "organizer", &call.organizer},
        std::tuple{"event", "event", &call.event}, std::tuple{"code", "order code", &call.code}}) {
    if (auto problem = pretix_segment_problem(what, *value); !problem.empty()) {
      return std::string("body.") + key + ": " + problem;
    }
  }
  std::string problem;
  call.event_id = event_id_of(call.organizer, call.event, problem);
  if (call.event_id.empty()) return "body" + problem.substr(4);
  if (auto s = persistence::validate_identifier("order", call.code); !s.ok()) {
    return "body.code: " + s.message();
  }
  return "";
}

/// pretix's action as a trigger: "pretix.event.order.placed" -> "order_placed".
std::string trigger_of(const std::string& action) {
  std::string trigger = action.rfind("pretix.event.", 0) == 0 ? action.substr(13) : action;
  for (auto& c : trigger) {
    if (c == '.') c = '_';
  }
  return trigger;
}

http_response pretix_unavailable(node_api::impl& api, const webhook_call& call,
                                 const std::string& what, const pretix_answer& a) {
  const std::string why =
      api.pretix_failed("webhook for order " + call.event_id + "/" + call.code, what, a);
  return error_response(503,
                        "pretix: " + what + ": " + why + "; nothing was enqueued, retry later");
}

/// Stores the event (when fetched) and enqueues; a marked notification stays marked for the
/// coalescing window, an unmarked one on failure.
http_response store_and_enqueue_on(node_api::impl& api, webhook_call& call, redis_worker& worker) {
  persistence::webhook_notifications marks(worker.connection, worker.keys);
  auto failed = [&](http_response answer) {
    if (!call.claimant.empty()) (void)marks.release(call.event_id, call.code, *call.notification);
    return answer;
  };
  if (call.bundle_fetched) {
    // The cached bundle holds what this call added and what others added meanwhile: whichever
    // call stores last stores them all.
    std::string latest = cached_event_bundle(api, call.event_id, false);
    auto stored = store_fetched_bundle(worker.snapshots, call.event_id,
                                       latest.empty() ? call.bundle : latest);
    if (!stored.ok()) return failed(persistence_error(stored, "storing event " + call.event_id));
  }
  auto answer = enqueue_order(api, worker, call.order);
  if (answer.status != 202) return failed(std::move(answer));
  if (!call.claimant.empty()) {
    // Failing to extend only shortens the mark to claim_ttl: a later replay is fetched again.
    (void)marks.extend(call.event_id, call.code, *call.notification, call.claimant,
                       api.options.webhook_coalesce_window);
  }
  return json_response(200, {{"queued_for", call.order.providers},
                             {"event", call.event_id},
                             {"order", call.code},
                             {"trigger", call.order.trigger}});
}

void store_and_enqueue(node_api::impl& api, std::shared_ptr<webhook_call> call,
                       const responder& reply) {
  api.on_redis(reply, [&api, call](redis_worker& worker) {
    return store_and_enqueue_on(api, *call, worker);
  });
}

}  // namespace

namespace {

/// Adds the sub-events and vouchers the order references to the call's bundle, then stores
/// and enqueues.
void add_references(node_api::impl& api, std::shared_ptr<pretix_client> shop,
                    std::shared_ptr<webhook_call> call, responder reply) {
  auto order = nlohmann::json::array({nlohmann::json::parse(*call->order.order_json)});
  add_referenced(api, shop, call->organizer, call->event, call->bundle, order,
                 [&api, call, reply](std::string bundle, bool changed, std::string what,
                                     pretix_answer failure) {
                   if (bundle.empty())
                     return finish(api, call, reply, pretix_unavailable(api, *call, what, failure));
                   call->bundle = std::move(bundle);
                   call->bundle_fetched = call->bundle_fetched || changed;
                   store_and_enqueue(api, call, reply);
                 });
}

/// Fetches the event bundle, then completes it for the order.
void fetch_bundle(node_api::impl& api, std::shared_ptr<pretix_client> shop,
                  std::shared_ptr<webhook_call> call, responder reply) {
  fetch_event_bundle(
      api, shop, call->organizer, call->event,
      [&api, shop, call, reply](std::string bundle, std::string what, pretix_answer failure) {
        if (bundle.empty()) {
          return finish(api, call, reply, pretix_unavailable(api, *call, what, failure));
        }
        call->bundle = std::move(bundle);
        call->bundle_fetched = true;
        add_references(api, shop, call, reply);
      });
}

/// "" when `json` is the order the call asked for, else what is wrong with it.
std::string order_problem(const webhook_call& call, const std::string& json) {
  std::string code;
  if (auto problem = check_order_json(json, call.event, code); !problem.empty()) return problem;
  if (code != call.code) return "code: pretix sent order '" + code + "', not '" + call.code + "'";
  return "";
}

/// An order over the order bound is refused for good: pretix would retry a 503 until it disables
/// the webhook, yet the order never fits. The webhook is answered 200 (nothing enqueued), each
/// provider's audit log of the order says why (`tixsync explain`, the order lookup), and the
/// refusal is counted and logged.
void refuse_too_large(node_api::impl& api, std::shared_ptr<webhook_call> call, responder reply,
                      pretix_answer order) {
  const std::string size =
      order.too_large
          ? "more than " + std::to_string(api.options.shop_max_response_bytes) + " bytes"
          : std::to_string(order.body.size()) + " bytes";
  const std::string reason = "order too large: " + size + ", limit " +
                             std::to_string(mapping::max_order_bytes / 1024 / 1024) + " MiB";
  order.too_large = true;
  order.status = 0;
  order.problem = reason + "; not enqueued, and pretix is not asked to retry";
  order.body.clear();
  api.pretix_failed("webhook for order " + call->event_id + "/" + call->code, "fetching the order",
                    order);
  api.on_redis(reply, [&api, call, reason](redis_worker& worker) {
    for (const auto& provider : call->order.providers) {
      auto added = worker.audit.append({provider, call->event_id, call->code}, "refused",
                                       {{"reason", reason}, {"trigger", call->order.trigger}},
                                       unix_ms_now());
      if (!added.ok()) {
        if (!call->claimant.empty()) {
          persistence::webhook_notifications marks(worker.connection, worker.keys);
          (void)marks.release(call->event_id, call->code, *call->notification);
        }
        return persistence_error(added, "recording the refused order");
      }
    }
    return json_response(200,
                         {{"refused", reason}, {"event", call->event_id}, {"order", call->code}});
  });
}

/// Fetches the order, then the event bundle (unless cached), then stores and enqueues.
void fetch_order(node_api::impl& api, std::shared_ptr<webhook_call> call, responder reply) {
  auto shop = std::make_shared<pretix_client>(*api.shop_client, api.options.shop_url,
                                              api.options.shop_token, api.options.shop_timeout);
  const std::string path = pretix_order_path(call->organizer, call->event, call->code);
  shop->get(path, [&api, shop, call, reply](pretix_answer order) {
    if (order.status == 404)
      return finish(api, call, reply, json_response(200, {{"ignored", "order not found"}}));
    if (order.too_large || (order.status == 200 && order.body.size() > mapping::max_order_bytes))
      return refuse_too_large(api, call, reply, order);
    if (order.status != 200)
      return finish(api, call, reply, pretix_unavailable(api, *call, "fetching the order", order));
    if (auto problem = order_problem(*call, order.body); !problem.empty()) {
      return finish(
          api, call, reply,
          pretix_unavailable(api, *call, "fetching the order",
                             {0, "", "the order it sent cannot be used: " + problem, true}));
    }
    call->order.order_json = std::move(order.body);
    call->bundle = cached_event_bundle(api, call->event_id);
    if (!call->bundle.empty()) return add_references(api, shop, call, reply);
    fetch_bundle(api, shop, call, reply);
  });
}

/// Marks the call's notification in Redis, then fetches; a notification marked already (being
/// or recently handled, by any node) is answered 200 without a fetch.
void claim_and_fetch(node_api::impl& api, std::shared_ptr<webhook_call> call, responder reply) {
  const bool queued = api.pool.post([&api, call, reply](redis_worker& worker) {
    persistence::webhook_notifications marks(worker.connection, worker.keys);
    const std::string claimant = new_claimant(api.options.node_name);
    auto claimed =
        marks.claim(call->event_id, call->code, *call->notification, claimant, claim_ttl);
    if (!claimed.ok()) {
      return void(reply.send(persistence_error(
          claimed.error(), "checking notification " + std::to_string(*call->notification))));
    }
    if (!*claimed) {
      return void(reply.send(json_response(
          200, {{"ignored", "notification " + std::to_string(*call->notification) + " of order " +
                                call->code + " is handled already"}})));
    }
    call->claimant = claimant;
    fetch_order(api, call, reply);
  });
  if (!queued) {
    reply.send(error_response(
        503, "the node is busy or stopping: too much Redis work queued; retry later"));
  }
}

/// "" when webhooks naming `organizer` may be handled; else why not (the shop token is used
/// only for the configured organizer).
std::string organizer_refusal(const node_api::impl& api, const std::string& organizer) {
  if (api.options.shop_organizer.empty()) {
    return "no [shop] organizer configured: webhooks are refused until it is set";
  }
  if (organizer != api.options.shop_organizer) {
    return "body.organizer: '" + organizer + "' is not the configured shop organizer";
  }
  return "";
}

void post_webhook(node_api::impl& api, http_request request, responder reply) {
  if (!authorize_webhook(api, request, reply)) return;
  auto body = json_body(request, reply);
  if (!body) return;
  auto call = std::make_shared<webhook_call>();
  if (auto problem = check_payload(*body, *call); !problem.empty()) {
    return void(reply.send(error_response(400, problem)));
  }
  api.webhooks_received.fetch_add(1, std::memory_order_relaxed);
  if (auto refusal = organizer_refusal(api, call->organizer); !refusal.empty()) {
    api.log("webhook for order " + call->event_id + "/" + call->code + " refused: " + refusal);
    return void(reply.send(error_response(422, refusal)));
  }
  if (api.options.shop_url.empty()) {
    return void(
        reply.send(error_response(422, "no [shop] url configured: the order cannot be fetched")));
  }
  call->order.event_id = call->event_id;
  call->order.code = call->code;
  call->order.trigger = trigger_of(call->action);
  call->order.providers = api.options.providers_for
                              ? api.options.providers_for(call->event_id, call->order.trigger)
                              : std::vector<std::string>{};
  if (call->order.providers.empty()) {
    return void(reply.send(json_response(200, {{"ignored", call->action}})));
  }
  if (call->notification) return claim_and_fetch(api, call, std::move(reply));
  fetch_order(api, call, std::move(reply));
}

}  // namespace

void add_webhook_routes(router& routes, node_api::impl& api) {
  routes.add("POST", "/webhooks/pretix", [&api](http_request r, responder reply) {
    post_webhook(api, std::move(r), std::move(reply));
  });
}

}  // namespace tixsync::api
