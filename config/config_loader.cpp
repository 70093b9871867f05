// Reads the sections [redis], [node], [http], [shop] and [log] and drives the whole load: TOML
// syntax errors, the providers (provider_reader.cpp) and the unknown keys of every table.
#include "config/config_loader.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "config/duration.hpp"
#include "config/input_file.hpp"
#include "config/provider_reader.hpp"
#include "config/redis_failover.hpp"
#include "config/redis_url.hpp"
#include "config/url_secrets.hpp"
#include "mapping/datetime.hpp"

namespace tixsync::config {
namespace {

using std::chrono::milliseconds;

void read_redis(table_reader& root, redis_section& redis) {
  const toml::table* table = root.table("redis");
  if (!table) return;
  redis.embedded = false;
  table_reader r(*table, "redis", root.sink());
  const bool has_url = r.string("url", redis.url);
  if (has_url) {
    std::string error;
    auto url = parse_redis_url(redis.url, error);
    if (!url) {
      r.problem(*table->get("url"), "url", error);
    } else if (!url->password.empty()) {
      r.problem(*table->get("url"), "url",
                "a password must not be written in the file: name an environment variable in "
                "redis.password_env");
    } else {
      redis.host = url->host;
      redis.port = url->port;
      redis.unix_socket = url->unix_socket;
      redis.database = url->database;
    }
  }
  r.integer("database", redis.database, 0, 15);
  if (r.string("prefix", redis.prefix) &&
      (redis.prefix.empty() || redis.prefix.size() > 64 ||
       redis.prefix.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                      "0123456789._:-") != std::string::npos)) {
    r.problem(*table->get("prefix"), "prefix", "must match [A-Za-z0-9._:-]{1,64}");
  }
  r.secret_env("password_env", redis.password_env, redis.password);
  r.duration("connect_timeout", redis.connect_timeout, milliseconds(1), milliseconds(60000));
  r.duration("command_timeout", redis.command_timeout, milliseconds(1), milliseconds(300000));
  read_redis_failover(r, redis, has_url);
  r.finish();
}

std::string host_name() {
  char buffer[256] = {};
  if (::gethostname(buffer, sizeof buffer - 1) != 0 || buffer[0] == '\0') return "tixsync";
  return buffer;
}

void read_node(table_reader& root, node_section& node) {
  node.name = host_name();
  const toml::table* table = root.table("node");
  if (!table) return;
  table_reader r(*table, "node", root.sink());
  r.string("name", node.name);
  r.integer("concurrency", node.concurrency, 1, 100000);
  r.duration("lease", node.lease, milliseconds(1000), milliseconds(3600 * 1000));
  r.duration("grace", node.grace, milliseconds(0), milliseconds(3600 * 1000));
  r.integer("claim_batch", node.claim_batch, 1, 1000);
  r.integer("scheduler_threads", node.scheduler_threads, 0, 64);
  r.integer("store_threads", node.store_threads, 0, 16);
  r.finish();
}

void read_http(table_reader& root, http_section& http) {
  const toml::table* table = root.table("http");
  if (!table) return;
  table_reader r(*table, "http", root.sink());
  http.configured = true;
  r.boolean("enabled", http.enabled);
  r.string("listen", http.listen);
  r.integer("port", http.port, 0, 65535);
  r.secret_env("api_token_env", http.api_token_env, http.api_token);
  if (r.secret_env("webhook_token_env", http.webhook_token_env, http.webhook_token) &&
      http.webhook_token_env == http.api_token_env) {
    r.problem(*table->get("webhook_token_env"), "webhook_token_env",
              "names the same variable as api_token_env: give webhooks a token of their own");
  }
  if (r.secret_env("read_token_env", http.read_token_env, http.read_token) &&
      (http.read_token_env == http.api_token_env ||
       http.read_token_env == http.webhook_token_env)) {
    r.problem(*table->get("read_token_env"), "read_token_env",
              "names the same variable as another token: give reads a token of their own");
  }
  r.boolean("open_metrics", http.open_metrics);
  r.integer("max_body", http.max_body, 1024, 64 * 1024 * 1024);
  r.duration("request_timeout", http.request_timeout, std::chrono::milliseconds(100),
             std::chrono::milliseconds(600000));
  r.integer("threads", http.threads, 1, 64);
  r.integer("redis_threads", http.redis_threads, 1, 64);
  r.integer("max_connections", http.max_connections, 1, 1000000);
  r.finish();
}

/// [shop] catch_up, catch_up_events and catch_up_from (docs/config.md).
void read_catch_up(table_reader& r, const toml::table& table, shop_section& shop) {
  if (const toml::node* node = r.get("catch_up")) {
    const auto* text = node->as_string();
    if (text && (**text == "0" || parse_duration(**text) == milliseconds(0))) {
      shop.catch_up = milliseconds(0);
    } else if (r.duration("catch_up", shop.catch_up, milliseconds(1000),
                          milliseconds(24 * 3600 * 1000)) &&
               (shop.url.empty() || shop.organizer.empty())) {
      r.problem(*node, "catch_up", "catch-up polls pretix: it needs shop.url and shop.organizer");
    }
  }
  if (r.string_list("catch_up_events", shop.catch_up_events)) {
    const toml::array* list = table.get("catch_up_events")->as_array();
    for (std::size_t i = 0; i < shop.catch_up_events.size(); ++i) {
      const std::string& slug = shop.catch_up_events[i];
      const bool good = !slug.empty() && slug.size() <= 100 && slug != "." && slug != ".." &&
                        slug.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                               "0123456789._-") == std::string::npos;
      if (good) continue;
      const toml::node& at = list ? *list->get(i) : *table.get("catch_up_events");
      r.problem(at, "catch_up_events[" + std::to_string(i) + "]",
                "'" + slug.substr(0, 120) + "' is not an event slug of shop.organizer: use 1-100 "
                "letters, digits, '.', '_' and '-'");
    }
  }
  if (r.string("catch_up_from", shop.catch_up_from) &&
      !mapping::parse_datetime(shop.catch_up_from)) {
    r.problem(*table.get("catch_up_from"), "catch_up_from",
              "bad datetime '" + shop.catch_up_from.substr(0, 120) +
                  "': use ISO 8601 with an offset, e.g. \"2025-05-01T00:00:00Z\"");
  }
}

void read_shop(table_reader& root, shop_section& shop) {
  const toml::table* table = root.table("shop");
  if (!table) return;
  table_reader r(*table, "shop", root.sink());
  if (r.string("url", shop.url)) {
    if (shop.url.rfind("http://", 0) != 0 && shop.url.rfind("https://", 0) != 0) {
      r.problem(*table->get("url"), "url", "must start with https:// or http://");
    } else if (auto why = url_credentials_problem(shop.url)) {
      r.problem(*table->get("url"), "url",
                *why +
                    ": the pretix API token comes from the environment variable named by "
                    "shop.api_token_env");
    }
  }
  r.string("organizer", shop.organizer);
  read_catch_up(r, *table, shop);
  r.secret_env("api_token_env", shop.api_token_env, shop.api_token);
  r.string("language", shop.language);
  r.duration("event_refresh", shop.event_refresh, std::chrono::milliseconds(1000),
             std::chrono::milliseconds(24 * 3600 * 1000));
  r.duration("fetch_timeout", shop.fetch_timeout, std::chrono::milliseconds(100),
             std::chrono::milliseconds(10 * 60 * 1000));
  r.integer("max_response_bytes", shop.max_response_bytes, 64 * 1024, 256 * 1024 * 1024);
  r.finish();
}

/// One retention: 0 (an integer or a duration such as "0d") keeps the data, else 1h..3650d.
void read_retention_value(table_reader& r, const std::string& key, std::chrono::milliseconds& out) {
  const toml::node* node = r.raw().get(key);
  if (node && node->is_integer()) {
    r.get(key);
    if (node->as_integer()->get() == 0) {
      out = std::chrono::milliseconds(0);
    } else {
      r.problem(*node, key, "use a duration such as \"90d\", or 0 to keep the data");
    }
    return;
  }
  const std::chrono::milliseconds hour(3600 * 1000);
  if (r.duration(key, out, std::chrono::milliseconds(0), 3650 * 24 * hour) && out.count() > 0 &&
      out < hour) {
    r.problem(*node, key, "out of range: use 0 (kept) or at least 1h");
  }
}

void read_retention(table_reader& root, retention_section& retention) {
  const toml::table* table = root.table("retention");
  if (!table) return;
  table_reader r(*table, "retention", root.sink());
  read_retention_value(r, "snapshots", retention.snapshots);
  read_retention_value(r, "results", retention.results);
  read_retention_value(r, "audit", retention.audit);
  r.finish();
}

/// "" when `url` may be an alert URL (http:// or https:// with a host), else what is wrong
/// (without repeating the URL: a chat webhook's path is its secret).
std::string alert_url_problem(const std::string& url) {
  std::string rest;
  if (url.rfind("https://", 0) == 0) {
    rest = url.substr(8);
  } else if (url.rfind("http://", 0) == 0) {
    rest = url.substr(7);
  } else {
    return "must start with https:// or http://";
  }
  const std::string host = rest.substr(0, rest.find_first_of("/?#"));
  if (host.empty()) return "names no host";
  if (host.find('@') != std::string::npos) return "must not carry a user name or password";
  for (unsigned char c : url) {
    if (c <= 0x20 || c == 0x7f) return "contains a space or control character";
  }
  return "";
}

/// [alerts]: url must be http(s) with a host and no credentials; it is never quoted.
void read_alerts(table_reader& root, alerts_section& alerts) {
  const toml::table* table = root.table("alerts");
  if (!table) return;
  table_reader r(*table, "alerts", root.sink());
  if (r.string("url", alerts.url, true)) {
    if (auto why = alert_url_problem(alerts.url); !why.empty()) {
      r.problem(*table->get("url"), "url", why + " (the URL is not repeated here)");
      alerts.url.clear();
    }
  }
  r.duration("min_interval", alerts.min_interval, std::chrono::milliseconds(1000),
             std::chrono::milliseconds(24 * 3600 * 1000));
  r.duration("timeout", alerts.timeout, std::chrono::milliseconds(100),
             std::chrono::milliseconds(60000));
  r.finish();
}

void read_log(table_reader& root, log_section& log) {
  const toml::table* table = root.table("log");
  if (!table) return;
  table_reader r(*table, "log", root.sink());
  r.choice("level", log.level, {"trace", "debug", "info", "warn", "error"});
  r.choice("format", log.format, {"logfmt", "json"});
  r.finish();
}

/// What works but puts a secret at risk: the pretix token sent in plain text over the network.
void add_warnings(const toml::table& document, const tixsync_config& config, problem_sink& sink,
                  std::vector<config_problem>& warnings) {
  const shop_section& shop = config.shop;
  if (shop.api_token.empty() || shop.url.rfind("http://", 0) != 0 || is_loopback_url(shop.url)) {
    return;
  }
  const toml::node* url = document["shop"]["url"].node();
  warnings.push_back({sink.where(url->source()), "shop.url",
                      "the pretix API token travels in plain text over http:// to a host that "
                      "is not loopback: use https://"});
}

}  // namespace

std::optional<std::string> process_env(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (!value) return std::nullopt;
  return std::string(value);
}

load_result parse_config(std::string_view text, const std::string& path, const env_lookup& env) {
  load_result result;
  result.config.path = path;
  problem_sink sink{path, result.problems, env};
  toml::table document;
  try {
    document = toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    sink.add(e.source(), "", "TOML syntax error: " + std::string(e.description()));
    return result;
  }
  table_reader root(document, "", sink);
  read_redis(root, result.config.redis);
  read_node(root, result.config.node);
  read_http(root, result.config.http);
  read_shop(root, result.config.shop);
  read_retention(root, result.config.retention);
  read_alerts(root, result.config.alerts);
  read_log(root, result.config.log);
  const std::string base_dir = std::filesystem::path(path).parent_path().string();
  read_providers(root, base_dir, result.config.providers);
  root.finish();
  add_warnings(document, result.config, sink, result.warnings);
  // Reading goes section by section; people read the file top to bottom.
  std::stable_sort(result.problems.begin(), result.problems.end(),
                   [](const config_problem& a, const config_problem& b) {
                     return std::pair(a.location.line, a.location.column) <
                            std::pair(b.location.line, b.location.column);
                   });
  return result;
}

load_result load_config(const std::string& path, const env_lookup& env) {
  input_file in(path);
  const auto text = in.read_all(max_input_file_bytes);
  if (!text) {
    load_result result;
    result.config.path = path;
    result.problems.push_back({{path, 0, 0}, "", "cannot read the file: " + in.error()});
    return result;
  }
  return parse_config(*text, path, env);
}

}  // namespace tixsync::config
