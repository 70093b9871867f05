// node_http: the API's options from the config ([http], [shop], the providers and their guards)
// and the server around it; api_sync_observer, the node's events into the API's metrics.
#include "app/node_http.hpp"

#include <algorithm>

#include "api/http_server.hpp"
#include "app/commands.hpp"
#include "providers/guard/guarded_provider.hpp"

namespace tixsync::app {

void api_sync_observer::attach(api::node_api* api) {
  if (api && alerts_) api->set_alert_stats([alerts = alerts_] { return alerts->stats(); });
  api_.store(api);
}

void api_sync_observer::order_synced(const std::string& provider,
                                     std::optional<std::chrono::milliseconds> latency) {
  auto* api = api_.load(std::memory_order_acquire);
  if (!api) return;
  api->record_order_synced(provider);
  if (latency) api->record_synced(provider, *latency);
}

void api_sync_observer::order_retried(const std::string& provider) {
  if (auto* api = api_.load(std::memory_order_acquire)) api->record_order_retried(provider);
}

void api_sync_observer::order_parked(const std::string& provider, providers::park_reason reason) {
  if (auto* api = api_.load(std::memory_order_acquire)) {
    api->record_order_parked(provider, providers::to_string(reason));
  }
}

void api_sync_observer::order_parked_as(const persistence::item_ref& ref,
                                        providers::park_reason reason, const std::string& cause) {
  if (alerts_)
    alerts_->parked(ref.provider, providers::to_string(reason), cause, ref.event, ref.order);
}

void api_sync_observer::object_handled(const std::string& provider, actors::object_action action) {
  if (auto* api = api_.load(std::memory_order_acquire)) {
    api->record_object(provider, actors::to_string(action));
  }
}

void api_sync_observer::redis_round_trip(std::chrono::microseconds duration) {
  if (auto* api = api_.load(std::memory_order_acquire)) {
    api->record_redis_round_trip(duration, api::node_api::redis_client::node);
  }
}

std::shared_ptr<alerts::alert_sender> start_alerts(const config::tixsync_config& config,
                                                   const actors::node_options& node,
                                                   const built_providers& built) {
  if (config.alerts.url.empty()) return nullptr;
  alerts::sender_options o;
  o.url = config.alerts.url;
  o.node = node.node_name;
  o.min_interval = config.alerts.min_interval;
  o.timeout = config.alerts.timeout;
  o.circuits = [guards = built.guards] {
    std::vector<alerts::circuit_reading> out;
    for (const auto& [id, guard] : guards) {
      if (!guard) continue;
      const auto s = guard->stats();
      out.push_back({id, s.circuit == providers::guard::circuit_state::closed, s.times_opened});
    }
    return out;
  };
  o.log = [log = node.log](const std::string& message) {
    log(actors::log_level::warning, message);
  };
  return std::make_shared<alerts::alert_sender>(std::move(o));
}

bool takes_trigger(const config::provider_section& provider, const std::string& trigger) {
  if (trigger.empty()) return true;
  for (const auto& t : provider.triggers) {
    if (t == "*" || t == trigger) return true;
  }
  return false;
}

std::vector<std::string> webhook_warnings(const config::tixsync_config& config) {
  std::vector<std::string> out;
  if (!config.http.enabled) return out;
  if (config.http.webhook_token_env.empty() && !config.http.api_token_env.empty()) {
    out.push_back(
        "[http] webhook_token_env is not set: pretix's webhooks are accepted with the API token, "
        "which then travels in the webhook URL into pretix's and proxies' logs; give webhooks a "
        "token of their own");
  }
  if (config.shop.organizer.empty()) {
    out.push_back(
        "[shop] organizer is not set: every pretix webhook is refused (422) until it names the "
        "organizer whose orders the shop token may fetch");
  }
  return out;
}

catch_up_targets catch_up_targets_of(const config::tixsync_config& config) {
  catch_up_targets out;
  if (!config.shop.catch_up_events.empty()) {
    out.slugs = config.shop.catch_up_events;
    return out;
  }
  const std::string prefix = config.shop.organizer + "/";
  for (const auto& p : config.providers) {
    if (!p.enabled || !takes_trigger(p, "catch_up")) continue;
    for (const auto& event : p.events) {
      if (event == "*") out.all = true;
      const std::string slug = event.rfind(prefix, 0) == 0 ? event.substr(prefix.size()) : "";
      if (!slug.empty() && std::find(out.slugs.begin(), out.slugs.end(), slug) == out.slugs.end()) {
        out.slugs.push_back(slug);
      }
    }
  }
  if (out.all) out.slugs.clear();
  return out;
}

std::vector<std::string> catch_up_warnings(const config::tixsync_config& config) {
  std::vector<std::string> out;
  if (config.shop.catch_up.count() == 0) return out;
  if (!config.http.enabled) {
    out.push_back(
        "[shop] catch_up runs in the node's HTTP API: with [http] enabled = false "
        "nothing is polled");
  }
  for (const auto& p : config.providers) {
    if (p.enabled && !takes_trigger(p, "catch_up")) {
      out.push_back("provider " + p.id +
                    ": its triggers list lacks \"catch_up\": orders caught up after a lost "
                    "webhook are not synced to it");
    }
  }
  const auto targets = catch_up_targets_of(config);
  if (!targets.all && targets.slugs.empty()) {
    out.push_back(
        "[shop] catch_up has no event to poll: set [shop] catch_up_events, or name "
        "events of organizer '" +
        config.shop.organizer + "' in the events of a provider that takes catch_up");
  }
  return out;
}

node_http::node_http(const config::tixsync_config& config, const built_providers& built,
                     node_view node) {
  api::node_api_options options;
  options.node_name = node.node_name;
  for (const auto& p : config.providers) {
    options.providers.push_back(
        {p.id, p.display_name.empty() ? p.id : p.display_name, p.type, p.enabled});
  }
  options.providers_for = [providers = config.providers](const std::string& event,
                                                         const std::string& trigger) {
    std::vector<std::string> out;
    for (const auto& p : providers) {
      if (p.enabled && takes_event(p, event) && takes_trigger(p, trigger)) out.push_back(p.id);
    }
    return out;
  };
  options.redis = node.redis;
  options.key_prefix = node.key_prefix;
  options.api_token = config.http.api_token.reveal();
  options.webhook_token = config.http.webhook_token.reveal();
  options.read_token = config.http.read_token.reveal();
  options.open_metrics = config.http.open_metrics;
  options.shop_url = config.shop.url;
  options.shop_organizer = config.shop.organizer;
  options.shop_token = config.shop.api_token.reveal();
  options.event_cache_ttl = config.shop.event_refresh;
  options.shop_timeout = config.shop.fetch_timeout;
  options.shop_max_response_bytes = static_cast<std::size_t>(config.shop.max_response_bytes);
  options.catch_up_interval = config.shop.catch_up;
  const auto targets = catch_up_targets_of(config);
  options.catch_up_events = targets.slugs;
  options.catch_up_all_events = targets.all;
  options.catch_up_from = config.shop.catch_up_from;
  options.node_stats = std::move(node.stats);
  options.node_state = std::move(node.state);
  options.guards = built.guards;
  options.redis_threads = config.http.redis_threads;
  options.log = node.log;
  for (const auto& warning : webhook_warnings(config)) {
    if (node.log) node.log(warning);
  }
  for (const auto& warning : catch_up_warnings(config)) {
    if (node.log) node.log(warning);
  }
  api_ = std::make_unique<api::node_api>(std::move(options));

  api::server_options server;
  server.listen_address = config.http.listen;
  server.port = static_cast<std::uint16_t>(config.http.port);
  server.threads = config.http.threads;
  server.max_body_bytes = static_cast<std::size_t>(config.http.max_body);
  server.read_timeout = config.http.request_timeout;
  server.max_connections = node.max_connections;
  server.log = node.log;
  try {
    server_ = std::make_unique<api::http_server>(server, api_->routes());
    server_->start();
  } catch (const std::exception& e) {
    api_->stop();
    throw command_error(exit_unavailable, std::string("cannot serve HTTP: ") + e.what());
  }
}

node_http::~node_http() {
  stop();
}

std::string node_http::address() const {
  const std::string host = server_->listen_address().find(':') != std::string::npos
                               ? "[" + server_->listen_address() + "]"
                               : server_->listen_address();
  return "http://" + host + ":" + std::to_string(server_->port());
}

void node_http::stop_accepting() {
  if (server_) server_->stop();
}

void node_http::stop() {
  stop_accepting();
  if (api_) api_->stop();
}

}  // namespace tixsync::app
