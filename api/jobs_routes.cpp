// The queue's jobs: GET /api/v1/jobs (one page), /jobs/counts, /jobs/causes, and a person's
// POST /api/v1/jobs/retry and /jobs/cancel for listed items or every parked item of one cause.
// Bodies are checked completely before the first write.
#include "api/json_response.hpp"
#include "api/node_api_impl.hpp"
#include "persistence/queue_store.hpp"

namespace tixsync::api {
namespace {

constexpr std::size_t max_items_per_action = 1000;

bool parse_state(const std::string& text, persistence::item_state& out) {
  using persistence::item_state;
  for (auto s : {item_state::due, item_state::scheduled, item_state::follow_up,
                 item_state::in_flight, item_state::exceeded, item_state::permanent,
                 item_state::config, item_state::internal, item_state::timeout}) {
    if (text == persistence::to_string(s)) {
      out = s;
      return true;
    }
  }
  return false;
}

/// The known provider named by query parameter `provider`, or "" with the answer sent.
std::string provider_param(node_api::impl& api, const http_request& request, const responder& reply) {
  auto provider = request.query_param("provider");
  if (!provider || provider->empty()) {
    reply.send(bad_request("query parameter provider", "missing"));
    return "";
  }
  if (!api.find_provider(*provider)) {
    reply.send(error_response(422, "query parameter provider: unknown provider '" + *provider + "'"));
    return "";
  }
  return *provider;
}

std::optional<std::size_t> size_param(const http_request& request, const char* name,
                                      std::size_t fallback, std::size_t min, std::size_t max,
                                      const responder& reply) {
  auto text = request.query_param(name);
  if (!text) return fallback;
  std::size_t value = 0;
  bool ok = !text->empty() && text->size() <= 9;
  for (char c : *text) ok = ok && c >= '0' && c <= '9';
  if (ok) value = static_cast<std::size_t>(std::stoul(*text));
  if (!ok || value < min || value > max) {
    reply.send(bad_request(std::string("query parameter ") + name,
                           "must be a whole number from " + std::to_string(min) + " to " +
                               std::to_string(max)));
    return std::nullopt;
  }
  return value;
}

/// One page of jobs. The store pages by state, by every parked state or by event; with an event
/// and a state, the event's first 1000 items are filtered by the state.
http_response jobs_page(redis_worker& worker, const std::string& provider,
                        const persistence::list_query& query) {
  auto q = query;
  const bool filtered = q.event && (q.state || q.parked);
  if (filtered) {
    q.state.reset();
    q.parked = false;
    q.offset = 0;
    q.limit = 1000;
  }
  auto page = worker.queue.list(provider, q, unix_ms_now());
  if (!page.ok()) return persistence_error(page.error(), "listing the jobs of " + provider);
  nlohmann::json items = nlohmann::json::array();
  std::size_t total = page->total;
  if (filtered) {
    std::vector<persistence::queue_item> matching;
    for (auto& item : page->items) {
      const bool parked = item.state >= persistence::item_state::exceeded;
      if (query.parked ? parked : item.state == *query.state) matching.push_back(std::move(item));
    }
    total = matching.size();
    for (std::size_t i = query.offset; i < matching.size() && i < query.offset + query.limit; ++i) {
      items.push_back(item_json(matching[i]));
    }
  } else {
    for (const auto& item : page->items) items.push_back(item_json(item));
  }
  return json_response(200, {{"provider", provider},
                             {"total", total},
                             {"offset", query.offset},
                             {"limit", query.limit},
                             {"items", items}});
}

void get_jobs(node_api::impl& api, http_request request, responder reply) {
  const std::string provider = provider_param(api, request, reply);
  if (provider.empty()) return;
  persistence::list_query query;
  if (auto state = request.query_param("state"); state && !state->empty()) {
    persistence::item_state s;
    if (*state == "parked") {
      query.parked = true;
    } else if (parse_state(*state, s)) {
      query.state = s;
    } else {
      return void(
          reply.send(bad_request("query parameter state", "unknown state '" + *state + "'")));
    }
  }
  if (auto event = request.query_param("event"); event && !event->empty()) {
    if (auto s = persistence::validate_identifier("event", *event, true); !s.ok()) {
      return void(reply.send(bad_request("query parameter event", s.message())));
    }
    query.event = *event;
  }
  auto limit = size_param(request, "limit", 50, 1, 1000, reply);
  if (!limit) return;
  auto offset = size_param(request, "offset", 0, 0, 100000000, reply);
  if (!offset) return;
  query.limit = *limit;
  query.offset = *offset;
  if (!query.state && !query.event && !query.parked) {
    return void(reply.send(bad_request("query parameter state",
                                       "missing: give a state, 'parked' (every parked job) or an "
                                       "event")));
  }
  api.on_redis(reply, [provider, query](redis_worker& worker) {
    return jobs_page(worker, provider, query);
  });
}

void get_counts(node_api::impl& api, http_request request, responder reply) {
  const std::string provider = provider_param(api, request, reply);
  if (provider.empty()) return;
  api.on_redis(reply, [provider](redis_worker& worker) {
    auto counts = worker.queue.count(provider, unix_ms_now());
    if (!counts.ok()) return persistence_error(counts.error(), "counting the jobs of " + provider);
    nlohmann::json states = nlohmann::json::object();
    for (const auto& [state, n] : counts->by_state) states[persistence::to_string(state)] = n;
    return json_response(200, {{"provider", provider}, {"states", states}, {"total", counts->total()}});
  });
}

void get_causes(node_api::impl& api, http_request request, responder reply) {
  const std::string provider = provider_param(api, request, reply);
  if (provider.empty()) return;
  api.on_redis(reply, [provider](redis_worker& worker) {
    auto causes = worker.queue.causes(provider);
    if (!causes.ok()) return persistence_error(causes.error(), "grouping the jobs of " + provider);
    nlohmann::json out = nlohmann::json::array();
    for (const auto& c : *causes) {
      out.push_back({{"state", persistence::to_string(c.state)}, {"cause", c.cause}, {"count", c.count}});
    }
    return json_response(200, {{"provider", provider}, {"causes", out}});
  });
}

/// A checked retry/cancel body: the listed items, or one cause.
struct action_body {
  std::string provider;
  std::vector<persistence::item_ref> items;
  bool by_cause = false;
  persistence::park_state state = persistence::park_state::internal;
  std::string cause;
};

/// "" when `body` is a valid action for a known provider, else what is wrong and where; sets
/// `status` to 400 or 422.
std::string check_action(node_api::impl& api, const nlohmann::json& body, action_body& out,
                         int& status) {
  status = 400;
  if (!body.is_object()) return "body: expected a JSON object";
  auto provider = body.find("provider");
  if (provider == body.end() || !provider->is_string()) return "body.provider: expected a string";
  out.provider = provider->get<std::string>();
  for (const auto& [key, value] : body.items()) {
    if (key != "provider" && key != "items" && key != "state" && key != "cause") {
      return "body." + key + ": unknown key (expected provider, items, or state and cause)";
    }
  }
  const bool has_items = body.contains("items");
  const bool has_cause = body.contains("state") || body.contains("cause");
  if (has_items == has_cause) return "body: give either items, or state and cause";
  if (has_items) {
    const auto& items = body["items"];
    if (!items.is_array() || items.empty() || items.size() > max_items_per_action) {
      return "body.items: expected an array of 1 to " + std::to_string(max_items_per_action) + " items";
    }
    for (std::size_t i = 0; i < items.size(); ++i) {
      const std::string where = "body.items[" + std::to_string(i) + "]";
      const auto& item = items[i];
      if (!item.is_object() || !item.contains("event") || !item["event"].is_string() ||
          !item.contains("order") || !item["order"].is_string()) {
        return where + ": expected {\"event\": \"org/ev\", \"order\": \"CODE\"}";
      }
      persistence::item_ref ref{out.provider, item["event"].get<std::string>(),
                                item["order"].get<std::string>()};
      if (auto s = persistence::validate(ref); !s.ok()) return where + ": " + s.message();
      out.items.push_back(std::move(ref));
    }
  } else {
    if (!body.contains("state") || !body["state"].is_string() ||
        !persistence::parse_park_state(body["state"].get<std::string>(), out.state)) {
      return "body.state: expected a parked state (exceeded, permanent, config, internal, timeout)";
    }
    if (!body.contains("cause") || !body["cause"].is_string() || body["cause"].get<std::string>().empty()) {
      return "body.cause: expected a non-empty string, as GET /api/v1/jobs/causes lists it";
    }
    out.by_cause = true;
    out.cause = body["cause"].get<std::string>();
  }
  if (!api.find_provider(out.provider)) {
    status = 422;
    return "body.provider: unknown provider '" + out.provider + "'";
  }
  return "";
}

void post_action(node_api::impl& api, bool retry, http_request request, responder reply) {
  if (!api.authorize(request, reply, false)) return;
  auto body = json_body(request, reply);
  if (!body) return;
  action_body action;
  int status = 400;
  if (auto problem = check_action(api, *body, action, status); !problem.empty()) {
    return void(reply.send(error_response(status, problem)));
  }
  api.on_redis(reply, [retry, action](redis_worker& worker) {
    const auto now = unix_ms_now();
    const char* verb = retry ? "retry" : "cancel";
    if (action.by_cause) {
      auto n = retry ? worker.queue.retry_cause(action.provider, action.state, action.cause, now, "api")
                     : worker.queue.cancel_cause(action.provider, action.state, action.cause, now, "api");
      if (!n.ok()) return persistence_error(n.error(), std::string(verb) + " by cause");
      return json_response(200, {{"done", *n}, {"refused", nlohmann::json::array()}});
    }
    auto results = retry ? worker.queue.retry_many(action.items, now, "api")
                         : worker.queue.cancel_many(action.items, now, "api");
    if (!results.ok()) return persistence_error(results.error(), std::string(verb));
    std::size_t done = 0;
    nlohmann::json refused = nlohmann::json::array();
    for (std::size_t i = 0; i < results->size(); ++i) {
      const auto& s = (*results)[i];
      if (s.ok()) {
        ++done;
        continue;
      }
      std::string reason = s.message();
      if (s.code() == persistence::persistence_errc::not_found) reason = "no such job";
      if (s.code() == persistence::persistence_errc::in_flight) reason = "in flight";
      refused.push_back({{"event", action.items[i].event},
                         {"order", action.items[i].order},
                         {"reason", reason}});
    }
    return json_response(200, {{"done", done}, {"refused", refused}});
  });
}

}  // namespace

void add_jobs_routes(router& routes, node_api::impl& api) {
  routes.add("GET", "/api/v1/jobs", [&api](http_request r, responder reply) {
    get_jobs(api, std::move(r), std::move(reply));
  });
  routes.add("GET", "/api/v1/jobs/counts", [&api](http_request r, responder reply) {
    get_counts(api, std::move(r), std::move(reply));
  });
  routes.add("GET", "/api/v1/jobs/causes", [&api](http_request r, responder reply) {
    get_causes(api, std::move(r), std::move(reply));
  });
  routes.add("POST", "/api/v1/jobs/retry", [&api](http_request r, responder reply) {
    post_action(api, true, std::move(r), std::move(reply));
  });
  routes.add("POST", "/api/v1/jobs/cancel", [&api](http_request r, responder reply) {
    post_action(api, false, std::move(r), std::move(reply));
  });
}

}  // namespace tixsync::api
