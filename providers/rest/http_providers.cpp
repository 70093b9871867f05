// Building REST and webhook providers from config sections: read and check the type settings,
// locate every problem, and assemble the provider (with its own http_client when the caller
// passes no transport).
#include "providers/rest/http_providers.hpp"

#include "providers/rest/oauth_transport.hpp"

namespace tixsync::providers::rest {
namespace {

std::string entry_path(const config::provider_section& section, const build_options& options) {
  return options.key_path.empty() ? "providers[id=" + section.id + "]" : options.key_path;
}

std::string format(const std::vector<config::config_problem>& problems) {
  std::string text;
  for (const auto& problem : problems) {
    if (!text.empty()) text += "\n";
    text += problem.to_string();
  }
  return text;
}

std::vector<config::config_problem> locate(const config::provider_section& section,
                                           const settings_problems& problems) {
  const config::source_location& where =
      section.settings_location.line > 0 ? section.settings_location : section.location;
  std::vector<config::config_problem> out;
  for (const auto& problem : problems) out.push_back({where, problem.key_path, problem.message});
  return out;
}

/// The settings of a section of `type`, read with every problem collected.
template <class Settings, class Reader>
Settings read_section(const config::provider_section& section, const std::string& type,
                      const build_options& options, Reader reader,
                      std::vector<config::config_problem>& out) {
  const std::string path = entry_path(section, options);
  settings_problems problems;
  if (section.type != type) {
    problems.push_back({path + ".type", "is \"" + section.type + "\", expected \"" + type + "\""});
    out = locate(section, problems);
    return {};
  }
  Settings settings =
      reader(section.settings, path + "." + type, section.mappings, options.env, problems);
  out = locate(section, problems);
  return settings;
}

rest_settings read_rest(const config::provider_section& section, const build_options& options,
                        std::vector<config::config_problem>& problems) {
  return read_section<rest_settings>(section, "rest", options, read_rest_settings, problems);
}

webhook_settings read_webhook(const config::provider_section& section, const build_options& options,
                              std::vector<config::config_problem>& problems) {
  return read_section<webhook_settings>(section, "webhook", options, read_webhook_settings,
                                        problems);
}

/// `transport`, or a new http_client for `connection` whose stop() `release` will call; wrapped
/// to report announced quotas (options.announced_quota) and to add OAuth2 tokens (whose
/// requests go to the token endpoint directly, outside the quota).
std::shared_ptr<http::http_transport> transport_or_client(
    std::shared_ptr<http::http_transport> transport, const connection_settings& connection,
    const build_options& options, std::function<void()>& release) {
  if (!transport) {
    http::client_options client_options = client_options_for(connection);
    client_options.tally = options.request_tally;
    auto client = std::make_shared<http::http_client>(std::move(client_options));
    release = [client] { client->stop(); };
    transport = client;
  }
  std::shared_ptr<http::http_transport> destination = transport;
  if (options.announced_quota) {
    destination = std::make_shared<http::quota_watching_transport>(std::move(destination),
                                                                   options.announced_quota);
  }
  if (connection.auth.type == auth_type::oauth2) {
    auto tokens = std::make_shared<oauth_token_source>(
        connection.auth, transport, connection.request_timeout, nullptr, options.request_tally);
    destination = std::make_shared<oauth_transport>(std::move(destination), std::move(tokens));
  }
  return destination;
}

}  // namespace

settings_error::settings_error(std::vector<config::config_problem> problems)
    : std::invalid_argument(format(problems)), problems_(std::move(problems)) {}

std::vector<config::config_problem> check_http_provider(const config::provider_section& section,
                                                        const build_options& options) {
  std::vector<config::config_problem> problems;
  if (section.type == "webhook") {
    read_webhook(section, options, problems);
  } else {
    read_rest(section, options, problems);
  }
  return problems;
}

provider_settings provider_settings_of(const config::provider_section& section) {
  provider_settings settings;
  settings.identifier = section.id;
  settings.display_name = section.display_name;
  settings.mappings = section.mappings;
  if (section.native_lists) {
    settings.list_joiner.reset();
  } else {
    settings.list_joiner = section.list_joiner;
  }
  settings.change_detection = section.change_detection;
  settings.retry = section.retry;
  settings.orders = section.orders;
  return settings;
}

http::client_options client_options_for(const config::provider_section& section,
                                        const build_options& options) {
  std::vector<config::config_problem> problems;
  if (section.type == "webhook") {
    auto settings = read_webhook(section, options, problems);
    if (problems.empty()) return client_options_for(settings.connection);
  } else {
    auto settings = read_rest(section, options, problems);
    if (problems.empty()) return client_options_for(settings.connection);
  }
  throw settings_error(std::move(problems));
}

std::shared_ptr<rest_provider> build_rest_provider(const config::provider_section& section,
                                                   std::shared_ptr<http::http_transport> transport,
                                                   log_sink log, const build_options& options) {
  std::vector<config::config_problem> problems;
  rest_settings settings = read_rest(section, options, problems);
  if (!problems.empty()) throw settings_error(std::move(problems));
  std::function<void()> release;
  transport = transport_or_client(std::move(transport), settings.connection, options, release);
  auto provider =
      std::make_shared<rest_provider>(provider_settings_of(section), std::move(settings),
                                      std::move(transport), std::move(log), options.batch_pacer);
  provider->release_on_close(std::move(release));
  return provider;
}

std::shared_ptr<webhook_provider> build_webhook_provider(
    const config::provider_section& section, std::shared_ptr<http::http_transport> transport,
    log_sink log, const build_options& options) {
  std::vector<config::config_problem> problems;
  webhook_settings settings = read_webhook(section, options, problems);
  if (!problems.empty()) throw settings_error(std::move(problems));
  std::function<void()> release;
  transport = transport_or_client(std::move(transport), settings.connection, options, release);
  auto provider = std::make_shared<webhook_provider>(
      provider_settings_of(section), std::move(settings), std::move(transport), std::move(log));
  provider->release_on_close(std::move(release));
  return provider;
}

std::shared_ptr<provider> build_http_provider(const config::provider_section& section,
                                              std::shared_ptr<http::http_transport> transport,
                                              log_sink log, const build_options& options) {
  if (section.type == "webhook") {
    return build_webhook_provider(section, std::move(transport), std::move(log), options);
  }
  if (section.type == "rest") {
    return build_rest_provider(section, std::move(transport), std::move(log), options);
  }
  throw settings_error({{section.location, entry_path(section, options) + ".type",
                         "is \"" + section.type +
                             "\"; only \"rest\" and \"webhook\" are HTTP "
                             "providers"}});
}

}  // namespace tixsync::providers::rest
