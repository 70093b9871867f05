// Reading the connection and auth settings shared by the HTTP providers, with every problem
// reported at its key path; secrets resolved from the environment and never echoed.
#include "providers/rest/connection_settings.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "config/input_file.hpp"
#include "config/url_secrets.hpp"
#include "providers/rest/url_rules.hpp"

namespace tixsync::providers::rest {
namespace {

using std::chrono::milliseconds;

bool is_header_value(const std::string& value) {
  return std::none_of(value.begin(), value.end(),
                      [](char c) { return c == '\r' || c == '\n' || c == '\0'; });
}

std::string lower(std::string text) {
  for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

const std::vector<const char*> oauth2_keys{"grant",      "token_url",         "scopes",
                                           "client_id",  "client_secret_env", "refresh_token_env",
                                           "client_auth"};

void read_scopes(settings_table& table, auth_settings& auth) {
  const json* scopes = table.get("scopes");
  if (!scopes) return;
  if (!scopes->is_array()) return table.problem("scopes", "expected a list of strings");
  for (const auto& scope : *scopes) {
    // RFC 6749 3.3: scope tokens are printable ASCII without space, '"' and '\\'.
    const std::string text = scope.is_string() ? scope.get<std::string>() : std::string();
    const bool ok = !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
      return c > 0x20 && c < 0x7f && c != '"' && c != '\\';
    });
    if (!ok) {
      return table.problem("scopes",
                           "every scope must be a non-empty string of printable ASCII without "
                           "spaces, '\"' or '\\'");
    }
    auth.scopes.push_back(text);
  }
}

void read_oauth2(settings_table& table, const env_lookup& env, auth_settings& auth) {
  const bool refresh =
      table.choice("grant", auth.grant, {"client_credentials", "refresh_token"}, true) &&
      auth.grant == "refresh_token";
  if (table.string("token_url", auth.token_url, true)) {
    if (auto why = base_url_problem(auth.token_url)) {
      table.problem("token_url", *why);
    } else if (auto secret = url_credentials_problem(auth.token_url)) {
      table.problem("token_url", *secret);
    }
  }
  read_scopes(table, auth);
  if (table.string("client_id", auth.client_id, true) && auth.client_id.empty()) {
    table.problem("client_id", "must not be empty");
  }
  // A public client (refresh_token grant) may have no secret.
  read_secret_env(table, "client_secret_env", env, auth.client_secret_env, auth.client_secret,
                  !refresh);
  if (refresh) {
    read_secret_env(table, "refresh_token_env", env, auth.refresh_token_env, auth.refresh_token,
                    true);
  } else if (table.get("refresh_token_env")) {
    table.problem("refresh_token_env", "only used with grant = \"refresh_token\"");
  }
  table.choice("client_auth", auth.client_auth, {"basic", "body"});
}

void read_auth(settings_table& parent, const env_lookup& env, auth_settings& auth) {
  const json* node = parent.table("auth");
  if (!node) return;
  settings_table table(node, parent.path_of("auth"), parent.problems());
  std::string type;
  if (!table.choice("type", type, {"bearer", "api_key", "basic", "oauth2"}, true)) {
    // Still mark the other keys known, so only the type is reported.
    for (const char* key : {"token_env", "header", "username", "password_env"}) table.known(key);
    for (const char* key : oauth2_keys) table.known(key);
    table.finish();
    return;
  }
  auth.type = type == "bearer"    ? auth_type::bearer
              : type == "api_key" ? auth_type::api_key
              : type == "oauth2"  ? auth_type::oauth2
                                  : auth_type::basic;
  auto not_for_type = [&](const char* key) {
    if (table.get(key)) table.problem(key, "not used with type = \"" + type + "\"");
  };
  if (auth.type != auth_type::oauth2) {
    for (const char* key : oauth2_keys) not_for_type(key);
  }
  if (auth.type == auth_type::oauth2) {
    read_oauth2(table, env, auth);
    for (const char* key : {"token_env", "header", "username", "password_env"}) not_for_type(key);
  } else if (auth.type == auth_type::basic) {
    table.string("username", auth.username, true);
    if (auth.username.find(':') != std::string::npos) {
      table.problem("username", "must not contain \":\"");
    }
    read_secret_env(table, "password_env", env, auth.password_env, auth.password, true);
    not_for_type("token_env");
    not_for_type("header");
  } else {
    read_secret_env(table, "token_env", env, auth.token_env, auth.token, true);
    if (auth.type == auth_type::api_key) {
      if (table.string("header", auth.header, true) && !is_header_name(auth.header)) {
        table.problem("header", "\"" + auth.header + "\" is not a valid header name");
      }
    } else {
      not_for_type("header");
    }
    not_for_type("username");
    not_for_type("password_env");
  }
  table.finish();
}

void read_headers(settings_table& parent, connection_settings& out) {
  const json* node = parent.table("headers");
  if (!node) return;
  for (const auto& [name, value] : node->items()) {
    const std::string path = parent.path_of("headers") + "." + key_segment(name);
    if (auto why = header_name_problem(name)) {
      parent.problems().push_back({path, std::move(*why)});
    } else if (!value.is_string()) {
      parent.problems().push_back(
          {path, std::string("expected a string, got ") + value.type_name()});
    } else if (!is_header_value(value.get<std::string>())) {
      parent.problems().push_back({path, "must not contain line breaks"});
    } else {
      out.headers.emplace_back(name, value.get<std::string>());
    }
  }
}

}  // namespace

std::optional<std::string> header_name_problem(const std::string& name) {
  static const std::vector<std::string> reserved{"host", "content-length", "transfer-encoding",
                                                 "connection", "authorization"};
  if (!is_header_name(name)) return "\"" + name + "\" is not a valid header name";
  if (std::find(reserved.begin(), reserved.end(), lower(name)) != reserved.end()) {
    return lower(name) == "authorization"
               ? "set credentials in the auth table (secrets come from the environment)"
               : "set by the HTTP client; cannot be configured";
  }
  if (config::is_credential_name(name)) {
    // Not echoed: the value is a credential, and a config file is no place for it.
    return "is named like a credential, whose value must not be written in the file: use the "
           "auth table, type = \"api_key\" with header = \"" +
           name + "\" and token_env naming the environment variable that holds it";
  }
  return std::nullopt;
}

bool is_header_name(const std::string& name) {
  static const std::string extra = "!#$%&'*+-.^_`|~";
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || extra.find(c) != std::string::npos;
  });
}

bool read_secret_env(settings_table& table, const std::string& key, const env_lookup& env,
                     std::string& name, config::secret& value, bool required) {
  if (!table.string(key, name, required)) return false;
  if (auto why = config::resolve_secret_env(name, env, value)) {
    table.problem(key, std::move(*why));
    name.clear();  // it may be the secret itself
    return false;
  }
  return true;
}

std::optional<std::string> process_environment(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (!value) return std::nullopt;
  return std::string(value);
}

const char* to_string(auth_type type) {
  switch (type) {
    case auth_type::none:
      return "none";
    case auth_type::bearer:
      return "bearer";
    case auth_type::api_key:
      return "api_key";
    case auth_type::basic:
      return "basic";
    case auth_type::oauth2:
      return "oauth2";
  }
  return "none";
}

void read_connection_settings(settings_table& table, const env_lookup& env,
                              connection_settings& out) {
  if (table.string("ca_file", out.ca_file) && !out.ca_file.empty()) {
    std::string error;
    if (!config::read_input_file(out.ca_file, config::max_input_file_bytes, error)) {
      table.problem("ca_file", error);
    }
  }
  const milliseconds hour(3600 * 1000);
  table.duration("connect_timeout", out.connect_timeout, milliseconds(1), hour);
  table.duration("request_timeout", out.request_timeout, milliseconds(1), hour);
  std::int64_t limit = 0;
  if (table.integer("max_response_bytes", limit, 1, std::int64_t(1) << 32)) {
    out.max_response_bytes = static_cast<std::size_t>(limit);
  }
  std::int64_t connections = 0;
  if (table.integer("max_connections", connections, 1, 4096)) {
    out.max_connections = static_cast<std::size_t>(connections);
  }
  read_headers(table, out);
  read_auth(table, env, out.auth);
}

http::client_options client_options_for(const connection_settings& settings) {
  http::client_options options;
  options.connect_timeout = settings.connect_timeout;
  options.read_timeout = settings.request_timeout;
  options.total_timeout = settings.request_timeout;
  options.max_response_bytes = settings.max_response_bytes;
  options.max_connections_per_host = settings.max_connections;
  options.ca_file = settings.ca_file;
  return options;
}

}  // namespace tixsync::providers::rest
