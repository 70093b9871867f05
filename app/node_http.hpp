// The node's HTTP listener for `tixsync run`: builds the API (api/node_api.hpp) from the config and
// the running node, serves it on [http] listen:port, and stops it in the node's shutdown order
// (stop accepting, then, after the node drained, the API's Redis workers), and the observer that
// feeds the node's sync events into the API's metrics.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "actors/node.hpp"
#include "alerts/alert_sender.hpp"
#include "api/node_api.hpp"
#include "app/provider_factory.hpp"
#include "config/tixsync_config.hpp"

namespace tixsync::api {
class http_server;
}

namespace tixsync::app {

/// Feeds a sync node's events (actors::sync_observer) and its Redis round trips into the metrics
/// of a node_api, once attach()ed: the node starts before its HTTP listener, so events before
/// that (or after detaching) are not counted. Cheap: an atomic load and relaxed counters.
/// Parked orders also go to the alert sender when [alerts] is configured.
class api_sync_observer : public actors::sync_observer {
 public:
  /// Sets the API to feed (null: none). Detach before the API goes, after the node stopped.
  /// Also hands the alert sender's counters to the API's /metrics.
  void attach(api::node_api* api);
  /// Sets the alert sender (before the node starts; it must outlive the node).
  void set_alerts(std::shared_ptr<alerts::alert_sender> alerts) { alerts_ = std::move(alerts); }

  void order_synced(const std::string& provider,
                    std::optional<std::chrono::milliseconds> latency) override;
  void order_retried(const std::string& provider) override;
  void order_parked(const std::string& provider, providers::park_reason reason) override;
  void order_parked_as(const persistence::item_ref& ref, providers::park_reason reason,
                       const std::string& cause) override;
  void object_handled(const std::string& provider, actors::object_action action) override;
  /// For node_options::redis_round_trip (client "node").
  void redis_round_trip(std::chrono::microseconds duration);

 private:
  std::atomic<api::node_api*> api_{nullptr};
  std::shared_ptr<alerts::alert_sender> alerts_;
};

/// The alert sender of [alerts] (null without an url): it watches the circuits of `built`'s
/// guards and logs failed deliveries through the node's log as warnings.
std::shared_ptr<alerts::alert_sender> start_alerts(const config::tixsync_config& config,
                                                   const actors::node_options& node,
                                                   const built_providers& built);

/// What an operator should know about how pretix's webhooks are accepted with this config (one
/// line each, no secrets): accepted with the API token (no [http] webhook_token_env), or refused
/// (no [shop] organizer). Empty when the node serves no HTTP.
std::vector<std::string> webhook_warnings(const config::tixsync_config& config);

/// Whether a provider configured with these triggers takes `trigger` ("" takes any).
bool takes_trigger(const config::provider_section& provider, const std::string& trigger);

/// The events [shop] catch_up polls: catch_up_events when given, else the shop organizer's events
/// named by the enabled providers that take the trigger `catch_up` (a provider with a triggers
/// list must list it); `all` when one of them takes every event ("*").
struct catch_up_targets {
  std::vector<std::string> slugs;
  bool all = false;
};
catch_up_targets catch_up_targets_of(const config::tixsync_config& config);

/// What an operator should know about catch-up with this config (one line each): providers
/// whose triggers list lacks `catch_up` (they get no caught-up orders), no event to poll, no HTTP
/// API to run it in. Empty when catch-up is off.
std::vector<std::string> catch_up_warnings(const config::tixsync_config& config);

class node_http {
 public:
  /// What the listener needs from the running node.
  struct node_view {
    std::string node_name;
    persistence::connection_options redis;
    std::string key_prefix;
    std::function<api::node_counters()> stats;
    std::function<std::string()> state;  ///< "starting", "running", "draining"
    std::function<void(const std::string&)> log;
    std::size_t max_connections = 10000;  ///< the listener's cap (app/open_files.hpp)
  };

  /// Starts the listener. Throws command_error(exit_unavailable) when it cannot listen.
  node_http(const config::tixsync_config& config, const built_providers& built, node_view node);
  ~node_http();
  node_http(const node_http&) = delete;
  node_http& operator=(const node_http&) = delete;

  /// "http://127.0.0.1:PORT" with the bound port.
  std::string address() const;
  /// The API, e.g. for record_synced.
  api::node_api& node_api() { return *api_; }
  /// Closes the listener and every connection; idempotent.
  void stop_accepting();
  /// stop_accepting() and then the API's workers and pretix client; idempotent.
  void stop();

 private:
  std::unique_ptr<api::node_api> api_;
  std::unique_ptr<api::http_server> server_;
};

}  // namespace tixsync::app
