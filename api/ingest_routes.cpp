// The routes that bring events and orders in: POST /api/v1/events/{organizer}/{event} stores the
// event bundle, POST .../orders enqueues one order for every provider that takes the event and the
// trigger. Everything is validated on the I/O thread before any Redis work, so a bad request
// changes nothing.
#include <cctype>

#include "api/json_response.hpp"
#include "api/node_api_impl.hpp"
#include "mapping/datetime.hpp"
#include "mapping/order_reader.hpp"

namespace tixsync::api {
namespace {

mapping::order_reader& thread_reader() {
  thread_local mapping::order_reader reader;
  return reader;
}

/// "1746266607000" (unix ms) or an ISO 8601 datetime with offset.
std::optional<std::int64_t> parse_not_before(const std::string& text) {
  if (!text.empty() && text.size() <= 15 &&
      std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c); })) {
    return std::stoll(text);
  }
  auto parsed = mapping::parse_datetime(text);
  if (!parsed) return std::nullopt;
  return parsed->seconds * 1000 + parsed->microsecond / 1000;
}

std::optional<bool> parse_flag(const std::string& text) {
  if (text == "true" || text == "1" || text.empty()) return true;
  if (text == "false" || text == "0") return false;
  return std::nullopt;
}

bool valid_trigger(const std::string& trigger) {
  if (trigger.empty() || trigger.size() > 200) return false;
  return std::all_of(trigger.begin(), trigger.end(),
                     [](unsigned char c) { return c > 0x20 && c < 0x7f; });
}

void post_event(node_api::impl& api, http_request request, responder reply) {
  if (!api.authorize(request, reply, false)) return;
  std::string problem;
  const std::string event_id = event_id_of(request.param("organizer"), request.param("event"), problem);
  if (event_id.empty()) return void(reply.send(error_response(400, problem)));
  if (!json_body(request, reply)) return;
  mapping::event_bundle bundle;
  mapping::read_error error;
  if (!thread_reader().read_event_bundle(request.body, bundle, error)) {
    return void(reply.send(bad_request("body", error.to_string())));
  }
  if (bundle.organizer + "/" + bundle.slug != event_id) {
    return void(reply.send(error_response(
        422, "body: the bundle is event '" + bundle.organizer + "/" + bundle.slug +
                 "', the path names '" + event_id + "'")));
  }
  api.on_redis(reply, [event_id, body = std::move(request.body)](redis_worker& worker) {
    auto stored = worker.snapshots.put_event(event_id, body);
    if (!stored.ok()) return persistence_error(stored, "storing event " + event_id);
    return json_response(200, {{"event", event_id}, {"stored", true}});
  });
}

void post_order(node_api::impl& api, http_request request, responder reply) {
  if (!api.authorize(request, reply, false)) return;
  std::string problem;
  const std::string event_id = event_id_of(request.param("organizer"), request.param("event"), problem);
  if (event_id.empty()) return void(reply.send(error_response(400, problem)));
  order_enqueue order;
  order.event_id = event_id;
  order.trigger = request.query_param("trigger").value_or("order_placed");
  if (!valid_trigger(order.trigger)) {
    return void(reply.send(bad_request("query parameter trigger",
                                       "must be 1-200 printable characters without spaces")));
  }
  if (auto text = request.query_param("not_before")) {
    order.not_before_ms = parse_not_before(*text);
    if (!order.not_before_ms) {
      return void(reply.send(bad_request("query parameter not_before",
                                         "'" + *text + "' is neither unix milliseconds nor an "
                                         "ISO 8601 datetime with offset")));
    }
  }
  if (auto text = request.query_param("immediate")) {
    auto immediate = parse_flag(*text);
    if (!immediate) {
      return void(reply.send(bad_request("query parameter immediate", "must be true or false")));
    }
    if (*immediate) order.not_before_ms.reset();
  }
  if (!json_body(request, reply)) return;
  if (request.body.size() > mapping::max_order_bytes) {  // whatever [http] max_body allows
    return void(reply.send(error_response(
        413, "body: the order has " + std::to_string(request.body.size()) +
                 " bytes, more than the " + std::to_string(mapping::max_order_bytes >> 20) +
                 " MiB an order may have")));
  }
  problem = check_order_json(request.body, request.param("event"), order.code);
  if (!problem.empty()) return void(reply.send(bad_request("body", problem)));
  order.order_json = std::move(request.body);
  order.providers = api.options.providers_for ? api.options.providers_for(event_id, order.trigger)
                                              : std::vector<std::string>{};
  api.on_redis(reply, [&api, order = std::move(order)](redis_worker& worker) {
    return enqueue_order(api, worker, order);
  });
}

}  // namespace

std::string check_order_json(const std::string& json, const std::string& event_slug,
                             std::string& code) {
  mapping::order parsed;
  mapping::read_error error;
  if (!thread_reader().read_order(json, parsed, error)) return error.to_string();
  if (parsed.event != event_slug) {
    return "event: the order belongs to event '" + parsed.event + "', not '" + event_slug + "'";
  }
  if (auto s = persistence::validate_identifier("order", parsed.code); !s.ok()) {
    return "code: " + s.message();
  }
  code = parsed.code;
  return "";
}

std::vector<persistence::enqueue_request> order_page_requests(
    const nlohmann::json& results, const std::string& event_id, const std::string& trigger,
    const std::vector<std::string>& providers, std::vector<std::string>& problems) {
  const std::string slug = event_id.substr(event_id.find('/') + 1);
  std::vector<persistence::enqueue_request> requests;
  for (std::size_t i = 0; i < results.size(); ++i) {
    std::string json = results[i].dump();
    std::string code;
    if (auto problem = check_order_json(json, slug, code); !problem.empty()) {
      problems.push_back("results[" + std::to_string(i) + "]: " + problem);
      continue;
    }
    for (std::size_t p = 0; p < providers.size(); ++p) {
      requests.push_back({{providers[p], event_id, code},
                          trigger,
                          std::nullopt,
                          p == 0 ? std::optional<std::string>(json) : std::nullopt});
    }
  }
  return requests;
}

http_response enqueue_order(node_api::impl& api, redis_worker& worker, const order_enqueue& order) {
  std::vector<persistence::enqueue_request> requests;
  for (std::size_t i = 0; i < order.providers.size(); ++i) {
    persistence::enqueue_request r{{order.providers[i], order.event_id, order.code},
                                   order.trigger, order.not_before_ms, std::nullopt};
    // The snapshot is the same for every provider: written once, with the first request.
    if (i == 0) r.order_json = order.order_json;
    requests.push_back(std::move(r));
  }
  nlohmann::json items = nlohmann::json::array();
  if (!requests.empty()) {
    auto done = worker.queue.enqueue_many(requests, unix_ms_now());
    if (!done.ok()) return persistence_error(done.error(), "enqueueing " + order.event_id + " " + order.code);
    api.count_enqueued(requests);
    for (std::size_t i = 0; i < requests.size(); ++i) {
      items.push_back({{"provider", requests[i].ref.provider},
                       {"created", (*done)[i].created},
                       {"follow_up", (*done)[i].follow_up}});
    }
  }
  return json_response(202, {{"event", order.event_id},
                             {"order", order.code},
                             {"trigger", order.trigger},
                             {"queued_for", order.providers},
                             {"items", items}});
}

void add_ingest_routes(router& routes, node_api::impl& api) {
  routes.add("POST", "/api/v1/events/{organizer}/{event}",
             [&api](http_request request, responder reply) {
               post_event(api, std::move(request), std::move(reply));
             });
  routes.add("POST", "/api/v1/events/{organizer}/{event}/orders",
             [&api](http_request request, responder reply) {
               post_order(api, std::move(request), std::move(reply));
             });
}

}  // namespace tixsync::api
