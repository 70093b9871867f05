// The node's HTTP listener for `tixsync run`: builds the API (api/node_api.hpp) from the config and
// the running node, serves it on [http] listen:port, and stops it in the node's shutdown order
// (stop accepting, then, after the node drained, the API's Redis workers).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "api/node_api.hpp"
#include "app/provider_factory.hpp"
#include "config/tixsync_config.hpp"

namespace tixsync::api {
class http_server;
}

namespace tixsync::app {

/// Whether a provider configured with these triggers takes `trigger` ("" takes any).
bool takes_trigger(const config::provider_section& provider, const std::string& trigger);

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
