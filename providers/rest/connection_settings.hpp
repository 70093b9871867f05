// The settings the REST and the webhook provider share: how to reach the external system (CA
// file, timeouts, response size limit, extra headers) and how to authenticate (bearer token, API
// key header or basic auth, with the secrets read from environment variables), plus the HTTP
// client options they imply.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "config/secret.hpp"
#include "config/secret_env.hpp"
#include "providers/http/http_client.hpp"
#include "providers/rest/settings_table.hpp"

namespace tixsync::providers::rest {

/// Looks up an environment variable (the process environment by default; injectable for tests).
using config::env_lookup;

/// The process environment (getenv).
std::optional<std::string> process_environment(const std::string& name);

enum class auth_type { none, bearer, api_key, basic, oauth2 };

/// "none", "bearer", "api_key", "basic", "oauth2".
const char* to_string(auth_type type);

/// [providers.<type>.auth]: secrets come from the environment, never from the file.
struct auth_settings {
  auth_type type = auth_type::none;
  std::string token_env;     ///< bearer, api_key: the variable holding the token
  config::secret token;      ///< its value
  std::string header;        ///< api_key: the header carrying the token, e.g. "X-API-Key"
  std::string username;      ///< basic
  std::string password_env;  ///< basic: the variable holding the password
  config::secret password;   ///< its value
  // oauth2 (RFC 6749): a token from `token_url`, cached and sent as a bearer token.
  std::string grant;                ///< "client_credentials" or "refresh_token"
  std::string token_url;            ///< the token endpoint (absolute http/https)
  std::vector<std::string> scopes;  ///< sent space-separated as `scope`; none: not sent
  std::string client_id;
  std::string client_secret_env;  ///< the variable holding the client secret
  config::secret client_secret;   ///< its value ("" for a public client of refresh_token)
  std::string refresh_token_env;  ///< refresh_token: the variable holding the refresh token
  config::secret refresh_token;   ///< its value (the first one; rotated ones replace it)
  /// How the client authenticates at the token endpoint: "basic" (HTTP Basic, RFC 6749 2.3.1)
  /// or "body" (client_id and client_secret in the form).
  std::string client_auth = "basic";
};

/// How requests reach the external system.
struct connection_settings {
  std::string ca_file;  ///< extra trusted CAs (PEM); "" = the system store only
  std::chrono::milliseconds connect_timeout{2000};
  std::chrono::milliseconds request_timeout{10000};  ///< the whole request
  std::size_t max_response_bytes = 1024 * 1024;
  /// Keep-alive connections to the external system per node (requests beyond wait for one).
  std::size_t max_connections = 64;
  http::header_list headers;  ///< extra headers sent with every request
  auth_settings auth;
};

/// Reads ca_file, connect_timeout, request_timeout, max_response_bytes, max_connections,
/// [headers] and [auth]
/// from `table`, reporting problems there (an unreadable CA file, an unset environment variable,
/// a forbidden header such as Authorization or Host, ...).
void read_connection_settings(settings_table& table, const env_lookup& env,
                              connection_settings& out);

/// Whether `name` can be an environment variable's name (config::is_environment_name).
using config::is_environment_name;

/// Reads `key` of `table` as the name of an environment variable and resolves it into `value`
/// with config::resolve_secret_env, the rule of every *_env key: reports a missing key (when
/// required), a value that is not a variable name (without echoing it: it may be the secret
/// itself) and an unset or empty variable. True when resolved.
bool read_secret_env(settings_table& table, const std::string& key, const env_lookup& env,
                     std::string& name, config::secret& value, bool required);

/// Whether `name` is a valid header name (RFC 7230 token).
bool is_header_name(const std::string& name);

/// Why `name` cannot be a configured header (not a token, set by the client, Authorization, or
/// named like a credential), or nullopt.
std::optional<std::string> header_name_problem(const std::string& name);

/// The options of an http_client for these settings: connect timeout, total timeout (the
/// request timeout), the response limit and the CA file; TLS verification stays on.
http::client_options client_options_for(const connection_settings& settings);

}  // namespace tixsync::providers::rest
