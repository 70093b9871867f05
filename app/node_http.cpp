// node_http: the API's options from the config ([http], [shop], the providers and their guards)
// and the server around it.
#include "app/node_http.hpp"

#include "api/http_server.hpp"
#include "app/commands.hpp"

namespace tixsync::app {

bool takes_trigger(const config::provider_section& provider, const std::string& trigger) {
  if (trigger.empty()) return true;
  for (const auto& t : provider.triggers) {
    if (t == "*" || t == trigger) return true;
  }
  return false;
}

node_http::node_http(const config::tixsync_config& config, const built_providers& built,
                     node_view node) {
  api::node_api_options options;
  options.node_name = node.node_name;
  for (const auto& p : config.providers) {
    options.providers.push_back({p.id, p.display_name.empty() ? p.id : p.display_name, p.type, p.enabled});
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
  options.shop_url = config.shop.url;
  options.shop_organizer = config.shop.organizer;
  options.shop_token = config.shop.api_token.reveal();
  options.node_stats = std::move(node.stats);
  options.node_state = std::move(node.state);
  options.guards = built.guards;
  options.redis_threads = config.http.redis_threads;
  options.log = node.log;
  api_ = std::make_unique<api::node_api>(std::move(options));

  api::server_options server;
  server.listen_address = config.http.listen;
  server.port = static_cast<std::uint16_t>(config.http.port);
  server.threads = config.http.threads;
  server.max_body_bytes = static_cast<std::size_t>(config.http.max_body);
  server.read_timeout = config.http.request_timeout;
  server.log = node.log;
  try {
    server_ = std::make_unique<api::http_server>(server, api_->routes());
    server_->start();
  } catch (const std::exception& e) {
    api_->stop();
    throw command_error(exit_unavailable, std::string("cannot serve HTTP: ") + e.what());
  }
}

node_http::~node_http() { stop(); }

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
