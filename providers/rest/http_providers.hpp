// Building the HTTP providers from the config: a [[providers]] entry of type "rest" or "webhook"
// becomes a rest_provider or webhook_provider, after its [providers.rest] / [providers.webhook]
// table was checked completely (every problem reported with its file location and key path).
// This is what the provider factory calls.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "config/tixsync_config.hpp"
#include "providers/configured_provider.hpp"
#include "providers/http/http_client.hpp"
#include "providers/http/rate_limit_headers.hpp"
#include "providers/http/request_tally.hpp"
#include "providers/log_sink.hpp"
#include "providers/rest/connection_settings.hpp"
#include "providers/rest/rest_provider.hpp"
#include "providers/rest/webhook_provider.hpp"

namespace tixsync::providers::rest {

/// How a section is read.
struct build_options {
  /// `{key_path, env}` without a request tally, e.g. {"providers[0]", env}.
  build_options(std::string key_path = {}, env_lookup env = process_environment)
      : key_path(std::move(key_path)), env(std::move(env)) {}

  /// The key path of the [[providers]] entry in the file, e.g. "providers[0]" (the factory
  /// knows the index); "" uses `providers[id=<id>]`.
  std::string key_path;
  /// Where the secrets' environment variables are looked up.
  env_lookup env = process_environment;
  /// Where the provider's own http_client (made when no transport is passed) counts its
  /// requests by outcome; null: the client keeps its own counts.
  std::shared_ptr<http::request_tally> request_tally;
  /// Where every response's announced quota is left for the guard
  /// ([providers.limits] follow_rate_limit_headers); null: not read.
  std::shared_ptr<http::quota_board> announced_quota;
  /// Asked before each batch call of a REST provider (the guard's pace_call); empty: not paced.
  call_pacer batch_pacer;
};

/// The type settings of a provider section are unusable; what() lists every problem, one per
/// line, "FILE:LINE:COLUMN: key.path: message".
class settings_error : public std::invalid_argument {
 public:
  explicit settings_error(std::vector<config::config_problem> problems);
  const std::vector<config::config_problem>& problems() const { return problems_; }

 private:
  std::vector<config::config_problem> problems_;
};

/// Every problem in the type settings of `section` (type "rest" or "webhook"), located at the
/// settings table (or the [[providers]] entry when the table is missing). Empty when usable.
/// A section of another type gives one problem.
std::vector<config::config_problem> check_http_provider(const config::provider_section& section,
                                                        const build_options& options = {});

/// The settings every provider takes from its section: identifier, display name, mappings,
/// list joiner (nullopt for native_lists), change detection, retry policy and order filter.
provider_settings provider_settings_of(const config::provider_section& section);

/// The http_client options for the section's connection settings (timeouts, response limit,
/// CA file). Throws settings_error when the settings have problems.
http::client_options client_options_for(const config::provider_section& section,
                                        const build_options& options = {});

/// A REST provider for a section of type "rest", sending through `transport`. With a null
/// transport, the provider creates its own http_client from the settings (client_options_for)
/// and stops it on close(). Throws settings_error listing every problem.
std::shared_ptr<rest_provider> build_rest_provider(const config::provider_section& section,
                                                   std::shared_ptr<http::http_transport> transport,
                                                   log_sink log, const build_options& options = {});

/// A webhook provider for a section of type "webhook"; otherwise like build_rest_provider.
std::shared_ptr<webhook_provider> build_webhook_provider(
    const config::provider_section& section, std::shared_ptr<http::http_transport> transport,
    log_sink log, const build_options& options = {});

/// build_rest_provider or build_webhook_provider by the section's type; throws settings_error
/// for any other type.
std::shared_ptr<provider> build_http_provider(const config::provider_section& section,
                                              std::shared_ptr<http::http_transport> transport,
                                              log_sink log, const build_options& options = {});

}  // namespace tixsync::providers::rest
