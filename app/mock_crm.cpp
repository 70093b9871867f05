// The mock CRM's routes on the generic api::http_server: the REST endpoints over the in-memory
// store, the webhook receiver, the /_mock control endpoints, and the guard that applies outage,
// fault dice, latency (an after() timer, never a blocked thread) and the bearer token to every
// /api and /hooks request.
#include "app/mock_crm.hpp"

#include <atomic>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "api/http_server.hpp"
#include "api/json_response.hpp"
#include "app/mock_crm_store.hpp"
#include "providers/rest/webhook_signature.hpp"

namespace tixsync::app {
namespace {

/// Compares without stopping at the first difference (no timing hint about the token).
bool same_secret(const std::string& given, const std::string& expected) {
  if (expected.empty() || given.size() != expected.size()) return false;
  unsigned char difference = 0;
  for (std::size_t i = 0; i < given.size(); ++i) {
    difference |= static_cast<unsigned char>(given[i] ^ expected[i]);
  }
  return difference == 0;
}

/// The body as a JSON object, or the 400 that says why it is not one.
std::optional<nlohmann::json> object_body(const api::http_request& request,
                                          api::http_response& error) {
  std::string problem;
  auto body = api::parse_json_body(request, problem);
  if (!body) {
    error = api::error_response(400, problem);
    return std::nullopt;
  }
  if (!body->is_object()) {
    error = api::error_response(
        400, std::string("the body must be a JSON object, found ") + body->type_name());
    return std::nullopt;
  }
  return body;
}

api::http_response not_found(const api::http_request& request) {
  return api::error_response(
      404, "no " + request.param("type") + " with id '" + request.param("id") + "'");
}

}  // namespace

struct mock_crm::impl {
  explicit impl(mock_crm_options o)
      : options(std::move(o)), hooks(options.max_hooks), faults(options.faults, options.seed) {}

  api::router routes();
  /// Registers a route counted in the stats; `guarded` routes get faults, latency and (for
  /// /api) the token check.
  void add(api::router& r, const std::string& method, const std::string& pattern, bool guarded,
           api::sync_handler handler);
  void finish(const fault_decision& decision, bool needs_token, const api::sync_handler& handler,
              const api::http_request& request, const api::responder& reply);
  bool authorized(const api::http_request& request) const;

  api::http_response get_object(const api::http_request& request);
  api::http_response search(const api::http_request& request);
  api::http_response create(const api::http_request& request);
  api::http_response update(const api::http_request& request, bool merge);
  api::http_response remove(const api::http_request& request);
  api::http_response control_faults(const api::http_request& request);
  /// Keeps a delivery after checking its signature when a hook secret is set.
  api::http_response receive_hook(const api::http_request& request);
  nlohmann::json stats_json() const;
  void reset_all();

  mock_crm_options options;
  mock_crm_store store;
  received_hooks hooks;
  fault_injector faults;
  std::atomic<std::uint64_t> unauthorized{0};
  std::atomic<std::uint64_t> hooks_refused{0};
  std::atomic<std::int64_t> delayed_now{0};
  /// "METHOD pattern" -> requests; filled before start, only the counts change afterwards.
  std::map<std::string, std::unique_ptr<std::atomic<std::uint64_t>>> by_route;
  std::unique_ptr<api::http_server> server;  // last: stopped and destroyed first
};

void mock_crm::impl::add(api::router& r, const std::string& method, const std::string& pattern,
                         bool guarded, api::sync_handler handler) {
  auto& slot = by_route[method + " " + pattern];
  slot = std::make_unique<std::atomic<std::uint64_t>>(0);
  auto* counter = slot.get();
  if (!guarded) {
    r.add_sync(method, pattern,
               [counter, handler = std::move(handler)](const api::http_request& q) {
                 counter->fetch_add(1, std::memory_order_relaxed);
                 return handler(q);
               });
    return;
  }
  const bool needs_token = pattern.rfind("/api/", 0) == 0 && !options.token.empty();
  auto shared = std::make_shared<const api::sync_handler>(std::move(handler));
  r.add(method, pattern,
        [this, counter, needs_token, shared](api::http_request request, api::responder reply) {
          counter->fetch_add(1, std::memory_order_relaxed);
          if (faults.in_outage()) {
            auto response = api::error_response(503, "service unavailable (mock outage)");
            response.set_header("Retry-After", "1");
            reply.send(std::move(response));
            return;
          }
          const auto decision = faults.decide();
          if (decision.delay.count() == 0) {
            return finish(decision, needs_token, *shared, request, reply);
          }
          delayed_now.fetch_add(1, std::memory_order_relaxed);
          auto kept = std::make_shared<api::http_request>(std::move(request));
          server->after(decision.delay, [this, decision, needs_token, shared, kept, reply] {
            delayed_now.fetch_sub(1, std::memory_order_relaxed);
            finish(decision, needs_token, *shared, *kept, reply);
          });
        });
}

void mock_crm::impl::finish(const fault_decision& decision, bool needs_token,
                            const api::sync_handler& handler, const api::http_request& request,
                            const api::responder& reply) {
  switch (decision.kind) {
    case fault_kind::close:
      reply.close_connection();
      return;
    case fault_kind::rate_limit: {
      auto response = api::error_response(429, "too many requests (mock rate limit)");
      response.set_header("Retry-After", decision.retry_after);
      reply.send(std::move(response));
      return;
    }
    case fault_kind::fail:
      reply.send(api::error_response(503, "service unavailable (mock fault)"));
      return;
    case fault_kind::reject: {
      // Real CRMs quote what they refuse ("Email address x@y is invalid"), so the mock's
      // refusal quotes the request: whatever logs an answer's body would then log order data.
      std::string refused;
      for (const auto& [name, value] : request.query) refused += name + "=" + value + " ";
      reply.send(api::error_response(
          422, "unprocessable entity (mock fault), refused: " + refused + request.body));
      return;
    }
    case fault_kind::none:
      break;
  }
  if (needs_token && !authorized(request)) {
    unauthorized.fetch_add(1, std::memory_order_relaxed);
    auto response = api::error_response(401, "missing or wrong bearer token");
    response.set_header("WWW-Authenticate", "Bearer");
    reply.send(std::move(response));
    return;
  }
  reply.send(handler(request));
}

bool mock_crm::impl::authorized(const api::http_request& request) const {
  const auto header = request.header("Authorization");
  if (!header || header->size() < 7 ||
      !api::equals_ignoring_case(header->substr(0, 7), "Bearer ")) {
    return false;
  }
  return same_secret(header->substr(7), options.token);
}

api::http_response mock_crm::impl::get_object(const api::http_request& request) {
  auto object = store.find(request.param("type"), request.param("id"));
  return object ? api::json_response(200, *object) : not_found(request);
}

api::http_response mock_crm::impl::search(const api::http_request& request) {
  nlohmann::json results = store.search(request.param("type"), request.query);
  return api::json_response(200, {{"results", std::move(results)}});
}

api::http_response mock_crm::impl::create(const api::http_request& request) {
  api::http_response error;
  auto body = object_body(request, error);
  if (!body) return error;
  const auto& type = request.param("type");
  auto created = store.create(type, std::move(*body));
  auto response = api::json_response(201, created);
  response.set_header("Location", "/api/" + type + "/" + created["id"].get<std::string>());
  return response;
}

api::http_response mock_crm::impl::update(const api::http_request& request, bool merge) {
  api::http_response error;
  auto body = object_body(request, error);
  if (!body) return error;
  const auto& type = request.param("type");
  const auto& id = request.param("id");
  auto updated = merge ? store.merge(type, id, *body) : store.replace(type, id, std::move(*body));
  return updated ? api::json_response(200, *updated) : not_found(request);
}

api::http_response mock_crm::impl::remove(const api::http_request& request) {
  return store.remove(request.param("type"), request.param("id")) ? api::http_response::empty(204)
                                                                  : not_found(request);
}

api::http_response mock_crm::impl::receive_hook(const api::http_request& request) {
  if (!options.hook_secret.empty()) {
    const auto signature = request.header("X-Tixsync-Signature");
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    const std::string problem = signature ? providers::rest::check_webhook_signature(
                                                options.hook_secret, *signature, request.body, now)
                                          : "no X-Tixsync-Signature header";
    if (!problem.empty()) {
      hooks_refused.fetch_add(1, std::memory_order_relaxed);
      return api::error_response(401, "X-Tixsync-Signature: " + problem);
    }
  }
  hooks.add(request.param("name"), request.headers, request.body);
  return api::http_response::empty(204);
}

api::http_response mock_crm::impl::control_faults(const api::http_request& request) {
  std::string problem;
  auto body = api::parse_json_body(request, problem);
  if (!body) return api::error_response(400, problem);
  problem = faults.apply(*body);
  if (!problem.empty()) return api::error_response(400, problem);
  return api::json_response(200, faults.settings_json());
}

api::router mock_crm::impl::routes() {
  api::router r;
  using request = api::http_request;
  add(r, "GET", "/api/{type}/{id}", true, [this](const request& q) { return get_object(q); });
  add(r, "GET", "/api/{type}", true, [this](const request& q) { return search(q); });
  add(r, "POST", "/api/{type}", true, [this](const request& q) { return create(q); });
  add(r, "PATCH", "/api/{type}/{id}", true, [this](const request& q) { return update(q, true); });
  add(r, "PUT", "/api/{type}/{id}", true, [this](const request& q) { return update(q, false); });
  add(r, "DELETE", "/api/{type}/{id}", true, [this](const request& q) { return remove(q); });
  add(r, "POST", "/hooks/{name}", true, [this](const request& q) { return receive_hook(q); });
  add(r, "GET", "/_mock/stats", false,
      [this](const request&) { return api::json_response(200, stats_json()); });
  add(r, "GET", "/_mock/dump", false,
      [this](const request&) { return api::json_response(200, store.dump()); });
  add(r, "GET", "/_mock/hooks", false, [this](const request& q) {
    return api::json_response(200, hooks.to_json(q.query_param("name").value_or("")));
  });
  add(r, "GET", "/_mock/faults", false,
      [this](const request&) { return api::json_response(200, faults.settings_json()); });
  add(r, "POST", "/_mock/faults", false, [this](const request& q) { return control_faults(q); });
  add(r, "POST", "/_mock/reset", false, [this](const request&) {
    reset_all();
    return api::http_response::empty(204);
  });
  return r;
}

nlohmann::json mock_crm::impl::stats_json() const {
  nlohmann::json by_method = nlohmann::json::object();
  nlohmann::json routes = nlohmann::json::object();
  std::uint64_t total = 0;
  for (const auto& [key, counter] : by_route) {
    const auto n = counter->load(std::memory_order_relaxed);
    total += n;
    routes[key] = n;
    const std::string method = key.substr(0, key.find(' '));
    by_method[method] = by_method.value(method, std::uint64_t{0}) + n;
  }
  nlohmann::json out{
      {"requests", {{"total", total}, {"by_method", by_method}, {"by_route", routes}}},
      {"objects", store.counts()},
      {"hooks_received", hooks.received()},
      {"hooks_refused", hooks_refused.load(std::memory_order_relaxed)},
      {"unauthorized", unauthorized.load(std::memory_order_relaxed)},
      {"faults_injected", faults.injected_json()},
      {"delayed_now", delayed_now.load(std::memory_order_relaxed)},
      {"faults", faults.settings_json()}};
  out.update(store.totals());
  if (server) {
    const auto s = server->stats();
    out["server"] = {{"connections_accepted", s.connections_accepted},
                     {"connections_open", s.connections_open},
                     {"requests", s.requests},
                     {"responses", s.responses},
                     {"malformed_requests", s.malformed_requests},
                     {"read_timeouts", s.read_timeouts},
                     {"dropped_connections", s.dropped_connections}};
  }
  return out;
}

void mock_crm::impl::reset_all() {
  store.clear();
  hooks.clear();
  faults.reset();
  unauthorized = 0;
  hooks_refused = 0;
  for (auto& entry : by_route) entry.second->store(0, std::memory_order_relaxed);
}

mock_crm::mock_crm(mock_crm_options options) {
  if (options.threads < 1) throw std::invalid_argument("mock CRM: threads must be at least 1");
  if (options.max_hooks == 0) throw std::invalid_argument("mock CRM: max_hooks must be positive");
  impl_ = std::make_unique<impl>(std::move(options));  // checks the fault settings
  api::server_options server;
  server.listen_address = impl_->options.listen_address;
  server.port = impl_->options.port;
  server.threads = impl_->options.threads;
  server.max_body_bytes = impl_->options.max_body_bytes;
  server.server_name = "tixsync-mock-crm";
  server.max_connections = impl_->options.max_connections;
  impl_->server = std::make_unique<api::http_server>(server, impl_->routes());
}

mock_crm::~mock_crm() {
  stop();
}

void mock_crm::start() {
  impl_->server->start();
}

void mock_crm::stop() {
  impl_->server->stop();
}

std::uint16_t mock_crm::port() const {
  return impl_->server->port();
}

std::string mock_crm::url() const {
  const auto& address = impl_->options.listen_address;
  const bool v6 = address.find(':') != std::string::npos;
  return "http://" + (v6 ? "[" + address + "]" : address) + ":" + std::to_string(port());
}

nlohmann::json mock_crm::stats() const {
  return impl_->stats_json();
}

nlohmann::json mock_crm::dump() const {
  return impl_->store.dump();
}

nlohmann::json mock_crm::hooks() const {
  return impl_->hooks.to_json();
}

mock_crm_faults mock_crm::faults() const {
  return impl_->faults.settings();
}

void mock_crm::set_faults(const mock_crm_faults& faults) {
  impl_->faults.set(faults);
}

void mock_crm::start_outage(std::chrono::milliseconds length) {
  impl_->faults.start_outage(length);
}

void mock_crm::reset() {
  impl_->reset_all();
}

}  // namespace tixsync::app
