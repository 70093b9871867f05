// node_api: construction, the shared helpers of the route files (auth, Redis work on the worker
// pool, error mapping, JSON views) and the small routes: health, readiness and the dashboard.
#include "api/node_api.hpp"

#include <ctime>

#include "api/catch_up_poller.hpp"
#include "api/dashboard_files.hpp"
#include "api/json_response.hpp"
#include "api/node_api_impl.hpp"
#include "persistence/errors.hpp"
#include "persistence/queue_item_json.hpp"
#include "providers/http/http_client.hpp"
#include "providers/http/request_tally.hpp"

namespace tixsync::api {
namespace {

/// Equal strings, in time that depends only on the lengths (no early exit on the first
/// differing byte), so a token cannot be guessed byte by byte.
bool same_secret(const std::string& a, const std::string& b) {
  const std::size_t n = a.size() > b.size() ? a.size() : b.size();
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (std::size_t i = 0; i < n; ++i) {
    const unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    const unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff |= static_cast<unsigned char>(x ^ y);
  }
  return diff == 0;
}

/// The deepest nesting of arrays and objects in `text` (strings skipped).
std::size_t nesting_depth(const std::string& text) {
  std::size_t depth = 0, deepest = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > deepest) deepest = depth;
    } else if ((c == '}' || c == ']') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

constexpr std::size_t max_json_depth = 64;

}  // namespace

std::int64_t unix_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

nlohmann::json iso_time_or_null(std::int64_t ms) {
  if (ms <= 0) return nullptr;
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof(buffer), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return std::string(buffer);
}

http_response persistence_error(const persistence::status& status, const std::string& doing) {
  using persistence::persistence_errc;
  const auto code = status.code();
  int http = 503;
  if (code == persistence_errc::invalid_identifier || code == persistence_errc::invalid_argument) {
    http = 400;
  } else if (code == persistence_errc::not_found) {
    http = 404;
  } else if (code == persistence_errc::in_flight) {
    http = 409;
  } else if (code == persistence_errc::protocol_error || code == persistence_errc::server_error ||
             code == persistence_errc::stale_lease) {
    http = 500;
  }
  return error_response(http, doing + ": " + status.message());
}

nlohmann::json item_json(const persistence::queue_item& item) {
  return persistence::queue_item_json(item, iso_time_or_null);
}

http_response bad_request(const std::string& where, const std::string& what) {
  return error_response(400, where + ": " + what);
}

std::optional<nlohmann::json> json_body(const http_request& request, const responder& reply) {
  if (request.body.empty()) {
    reply.send(bad_request("body", "expected a JSON value, the body is empty"));
    return std::nullopt;
  }
  if (nesting_depth(request.body) > max_json_depth) {
    reply.send(bad_request(
        "body", "JSON nested deeper than " + std::to_string(max_json_depth) + " levels"));
    return std::nullopt;
  }
  std::string problem;
  auto parsed = parse_json_body(request, problem);
  if (!parsed) reply.send(bad_request("body", problem));
  return parsed;
}

std::string event_id_of(const std::string& organizer, const std::string& event,
                        std::string& problem) {
  for (const auto& [what, value] :
       {std::pair<const char*, const std::string*>{"organizer", &organizer}, {"event", &event}}) {
    auto s = persistence::validate_identifier(what, *value);
    if (!s.ok() || value->find('/') != std::string::npos) {
      problem = std::string("path: invalid ") + what + " '" + *value + "'" +
                (s.ok() ? "" : " (" + s.message() + ")");
      return "";
    }
  }
  return organizer + "/" + event;
}

namespace {

/// The options with the API's Redis connections reporting their round trips to `api`.
node_api_options observed(node_api_options o, node_api::impl* api) {
  auto previous = o.redis.round_trip;
  o.redis.round_trip = [api, previous](std::chrono::microseconds d) {
    api->redis_round_trip.record(d);
    if (previous) previous(d);
  };
  return o;
}

}  // namespace

node_api::impl::impl(node_api_options o)
    : options(observed(std::move(o), this)),
      keys(options.key_prefix),
      pool(api_pool_options(options.redis_threads, options.log),
           redis_workers(options.redis, keys)) {
  for (const auto& p : options.providers)
    metrics.emplace(p.id, std::make_unique<provider_metrics>());
  providers::http::client_options client;
  client.total_timeout = options.shop_timeout;
  client.read_timeout = options.shop_timeout;
  client.max_connections_per_host = 8;
  client.max_response_bytes = options.shop_max_response_bytes;
  client.user_agent = "tixsync-webhook";
  shop_requests = std::make_shared<providers::http::request_tally>();
  client.tally = shop_requests;
  shop_client = std::make_unique<providers::http::http_client>(client);
}

const api_provider* node_api::impl::find_provider(const std::string& id) const {
  for (const auto& p : options.providers) {
    if (p.id == id) return &p;
  }
  return nullptr;
}

provider_metrics* node_api::impl::metrics_of(const std::string& id) const {
  auto it = metrics.find(id);
  return it == metrics.end() ? nullptr : it->second.get();
}

node_counters node_api::impl::counters() const {
  return options.node_stats ? options.node_stats() : node_counters{};
}

std::uint64_t node_api::impl::enqueued_total() const {
  std::uint64_t total = 0;
  for (const auto& [id, m] : metrics) total += m->enqueued.load(std::memory_order_relaxed);
  return total;
}

void node_api::impl::count_enqueued(const std::vector<persistence::enqueue_request>& requests) {
  for (const auto& r : requests) {
    auto it = metrics.find(r.ref.provider);
    if (it != metrics.end()) it->second->enqueued.fetch_add(1, std::memory_order_relaxed);
  }
}

namespace {

/// The bearer token of the request, or nullopt.
std::optional<std::string> bearer_of(const http_request& request) {
  auto header = request.header("Authorization");
  const std::string prefix = "Bearer ";
  if (!header || header->size() < prefix.size() ||
      !equals_ignoring_case(header->substr(0, prefix.size()), prefix)) {
    return std::nullopt;
  }
  return header->substr(prefix.size());
}

}  // namespace

bool node_api::impl::authorize_read(const http_request& request, const responder& reply) const {
  const auto& read = options.read_token;
  const auto& api = options.api_token;
  if (read.empty() && api.empty()) {
    reply.send(error_response(403,
                              "no read or API token configured: set [http] read_token_env "
                              "or api_token_env; reading is refused until then"));
    return false;
  }
  const auto given = bearer_of(request);
  if (!given) {
    reply.send(error_response(401,
                              "missing token: send 'Authorization: Bearer <token>' with "
                              "the read token or the API token"));
    return false;
  }
  // Both compared, so the time taken does not tell which token was close.
  const bool is_read = !read.empty() && same_secret(*given, read);
  const bool is_api = !api.empty() && same_secret(*given, api);
  if (is_read || is_api) return true;
  reply.send(error_response(403, "wrong token: reading needs the read token or the API token"));
  return false;
}

bool node_api::impl::authorize(const http_request& request, const responder& reply,
                               bool query_token) const {
  const auto given = bearer_of(request);
  if (given && !options.read_token.empty() && same_secret(*given, options.read_token)) {
    reply.send(error_response(403, "the read token cannot change anything: use the API token"));
    return false;
  }
  if (options.api_token.empty()) {
    reply.send(error_response(403,
                              "no API token configured: set [http] api_token_env and the "
                              "variable it names; changes are refused until then"));
    return false;
  }
  return carries_token(request, reply, options.api_token, "API token", query_token);
}

bool node_api::impl::carries_token(const http_request& request, const responder& reply,
                                   const std::string& expected, const std::string& name,
                                   bool query_token) const {
  std::string given;
  bool found = false;
  if (auto header = request.header("Authorization")) {
    const std::string prefix = "Bearer ";
    if (header->size() >= prefix.size() &&
        equals_ignoring_case(header->substr(0, prefix.size()), prefix)) {
      given = header->substr(prefix.size());
      found = true;
    }
  }
  if (!found && query_token) {
    if (auto token = request.query_param("token")) {
      given = *token;
      found = true;
    }
  }
  if (!found) {
    reply.send(error_response(401, "missing " + name + ": send 'Authorization: Bearer <token>'" +
                                       (query_token ? " or ?token=<token>" : "")));
    return false;
  }
  if (!same_secret(given, expected)) {
    reply.send(error_response(401, "wrong " + name));
    return false;
  }
  return true;
}

void node_api::impl::on_redis(const responder& reply,
                              std::function<http_response(redis_worker& worker)> work) {
  auto job = [reply, work = std::move(work), this](redis_worker& worker) {
    try {
      reply.send(work(worker));
    } catch (const std::exception& e) {
      log(std::string("API handler failed: ") + e.what());
      reply.send(error_response(500, std::string("internal error: ") + e.what()));
    }
  };
  if (!pool.post(std::move(job))) {
    reply.send(error_response(503,
                              "the node is busy or stopping: too much Redis work queued; "
                              "retry later"));
  }
}

void node_api::impl::log(const std::string& message) const {
  if (options.log) options.log(message);
}

void node_api::impl::count_pretix_failure(const pretix_answer& answer) {
  const auto reason = static_cast<std::size_t>(pretix_failure_of(answer));
  pretix_failures[reason].fetch_add(1, std::memory_order_relaxed);
}

std::string node_api::impl::pretix_failed(const std::string& context, const std::string& what,
                                          const pretix_answer& answer) {
  count_pretix_failure(answer);
  const auto reason = static_cast<std::size_t>(pretix_failure_of(answer));
  std::string why = pretix_failure_reason(answer);
  log(context + ": " + what + ": " + why + " (reason " + pretix_failure_names[reason] + ")");
  return why;
}

namespace {

/// The "redis" word of a /readyz that failed: what kind of failure it was.
std::string redis_problem(std::error_code code) {
  using persistence::persistence_errc;
  if (code == persistence_errc::unreachable) return "unreachable";
  if (code == persistence_errc::timeout) return "timeout";
  if (code == persistence_errc::connection_lost) return "connection lost";
  if (code == persistence_errc::not_redis) return "not redis";
  if (code == persistence_errc::auth_failed) return "auth failed";
  return "error";
}

}  // namespace

void add_health_routes(router& routes, node_api::impl& api) {
  routes.add_sync("GET", "/healthz", [](const http_request&) {
    return json_response(200, {{"status", "ok"}});
  });
  routes.add("GET", "/readyz", [&api](http_request, responder reply) {
    const std::string state = api.options.node_state ? api.options.node_state() : "running";
    if (state != "running") {
      reply.send(json_response(
          503, {{"error", {{"status", 503}, {"message", "node is " + state}}}, {"status", state}}));
      return;
    }
    api.on_redis(reply, [](redis_worker& worker) {
      auto pong = worker.connection.command({"PING"});
      if (pong.ok() && !pong->is_error()) {
        return json_response(200, {{"status", "ready"}, {"redis", "ok"}});
      }
      // Says what happened: a closed connection is reconnected by the command itself, so what
      // remains is a Redis that is down, slow, not a Redis, or answering with an error.
      const std::string message =
          pong.ok() ? "Redis answered PING with an error: " + pong->str : pong.error().to_string();
      return json_response(503, {{"error", {{"status", 503}, {"message", message}}},
                                 {"status", "not ready"},
                                 {"redis", pong.ok() ? "error" : redis_problem(pong.code())}});
    });
  });
}

void add_dashboard_routes(router& routes, node_api::impl&) {
  auto serve = [](const http_request& request) {
    const auto* file = find_dashboard_file(request.path);
    if (!file) return error_response(404, "no dashboard file at " + request.path);
    auto response =
        http_response::text(200, std::string(file->body), std::string(file->content_type));
    response.set_header("Cache-Control", "no-cache");
    response.set_header("X-Content-Type-Options", "nosniff");
    response.set_header("Content-Security-Policy",
                        "default-src 'self'; img-src 'self' data:; base-uri 'none'; "
                        "form-action 'none'; frame-ancestors 'none'");
    response.set_header("Referrer-Policy", "no-referrer");
    return response;
  };
  for (const char* path : {"/", "/index.html", "/dashboard.js", "/dashboard.css"}) {
    routes.add_sync("GET", path, serve);
  }
}

void require_read_token(router& routes, node_api::impl& api) {
  routes.wrap([&api](const router::route& r) -> async_handler {
    static const char* const open[] = {"/healthz",    "/readyz",       "/",
                                       "/index.html", "/dashboard.js", "/dashboard.css"};
    if (r.method != "GET") return {};
    for (const char* path : open) {
      if (r.pattern == path) return {};
    }
    if (r.pattern == "/metrics" && api.options.open_metrics) return {};
    return [&api, handler = r.handler](http_request request, responder reply) {
      if (api.authorize_read(request, reply)) handler(std::move(request), std::move(reply));
    };
  });
}

node_api::node_api(node_api_options options) : impl_(std::make_unique<impl>(std::move(options))) {
  if (impl_->options.catch_up_interval.count() > 0) {
    impl_->catch_up = std::make_unique<catch_up_poller>(*impl_);
    impl_->catch_up->start();
  }
}

node_api::~node_api() {
  stop();
}

router node_api::routes() {
  router routes;
  add_health_routes(routes, *impl_);
  add_dashboard_routes(routes, *impl_);
  add_ingest_routes(routes, *impl_);
  add_webhook_routes(routes, *impl_);
  add_event_refresh_routes(routes, *impl_);
  add_jobs_routes(routes, *impl_);
  add_order_routes(routes, *impl_);
  add_resync_routes(routes, *impl_);
  add_catch_up_routes(routes, *impl_);
  add_overview_routes(routes, *impl_);
  add_metrics_routes(routes, *impl_);
  add_forget_routes(routes, *impl_);
  add_provider_pause_routes(routes, *impl_);
  require_read_token(routes, *impl_);
  return routes;
}

void node_api::record_synced(const std::string& provider, std::chrono::microseconds latency) {
  if (auto* m = impl_->metrics_of(provider)) m->sync_latency.record(latency);
}

namespace {

/// The index of `name` in `names`, or names.size().
template <std::size_t n>
std::size_t index_of(const std::array<const char*, n>& names, std::string_view name) {
  for (std::size_t i = 0; i < n; ++i) {
    if (name == names[i]) return i;
  }
  return n;
}

}  // namespace

void node_api::record_order_synced(const std::string& provider) {
  if (auto* m = impl_->metrics_of(provider)) m->synced.fetch_add(1, std::memory_order_relaxed);
}

void node_api::record_order_retried(const std::string& provider) {
  if (auto* m = impl_->metrics_of(provider)) m->retried.fetch_add(1, std::memory_order_relaxed);
}

void node_api::record_order_parked(const std::string& provider, std::string_view reason) {
  const auto i = index_of(park_reason_names, reason);
  auto* m = impl_->metrics_of(provider);
  if (m && i < m->parked.size()) m->parked[i].fetch_add(1, std::memory_order_relaxed);
}

void node_api::record_object(const std::string& provider, std::string_view action) {
  const auto i = index_of(object_action_names, action);
  auto* m = impl_->metrics_of(provider);
  if (m && i < m->objects.size()) m->objects[i].fetch_add(1, std::memory_order_relaxed);
}

void node_api::record_redis_round_trip(std::chrono::microseconds duration, redis_client client) {
  (client == redis_client::api ? impl_->redis_round_trip : impl_->node_redis_round_trip)
      .record(duration);
}

void node_api::set_alert_stats(std::function<alerts::sender_stats()> stats) {
  std::lock_guard<std::mutex> lock(impl_->alerts_mutex);
  impl_->alert_stats = std::move(stats);
}

void node_api::stop() {
  // Polls end (and give their leases back) while the workers and the pretix client still run.
  if (impl_->catch_up) impl_->catch_up->stop();
  impl_->pool.stop();
  impl_->shop_client->stop();
}

}  // namespace tixsync::api
