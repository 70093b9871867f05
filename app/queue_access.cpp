// Resolves a queue command's Redis options into a live connection (config file first, --redis and
// --prefix override it) and turns persistence statuses into command errors with exit codes.
#include "app/queue_access.hpp"

#include <CLI/CLI.hpp>
#include <chrono>
#include <ctime>

#include "config/config_loader.hpp"
#include "config/redis_url.hpp"
#include "config/url_secrets.hpp"

namespace tixsync::app {
namespace {

using persistence::persistence_errc;

persistence::connection_options from_url(const std::string& text) {
  std::string error;
  auto url = config::parse_redis_url(text, error);
  if (!url) {
    throw command_error(exit_bad_input, "--redis " + config::redact_url(text) + ": " + error);
  }
  persistence::connection_options o;
  o.host = url->host;
  o.port = url->port;
  o.unix_socket = url->unix_socket;
  o.db = url->database;
  o.username = url->username;
  o.password = url->password;
  return o;
}

}  // namespace

persistence::connection_options connection_options_of(const config::redis_section& redis) {
  persistence::connection_options o;
  o.host = redis.host;
  o.port = redis.port;
  o.unix_socket = redis.unix_socket;
  o.db = redis.database;
  o.username = redis.username;
  o.password = redis.password.reveal();
  o.connect_timeout = redis.connect_timeout;
  o.command_timeout = redis.command_timeout;
  o.failover = failover_of(redis);
  return o;
}

persistence::failover_options failover_of(const config::redis_section& redis) {
  persistence::failover_options f;
  for (const auto& s : redis.sentinels) f.sentinels.push_back({s.host, s.port});
  f.master_name = redis.master_name;
  f.sentinel_password = redis.sentinel_password.reveal();
  f.max_wait = redis.failover_timeout;
  f.min_replicas_acked = redis.min_replicas_acked;
  f.replica_ack_timeout = redis.replica_ack_timeout;
  return f;
}

std::string where(const persistence::connection_options& connection) {
  if (!connection.failover.enabled()) return connection.endpoint();
  return "the master '" + connection.failover.master_name + "' of the sentinels";
}

void add_redis_options(CLI::App& cmd, redis_options& options) {
  cmd.add_option("--config", options.config_path, "tixsync config file (TOML)");
  cmd.add_option(
      "--redis", options.redis_url,
      "Redis URL, redis://[[user]:password@]host:port/db or unix:///path (overrides --config)");
  cmd.add_option("--prefix", options.prefix, "Redis key prefix (default: config or \"tixsync\")");
  cmd.add_flag("--json", options.json, "Print JSON instead of a table");
}

queue_access open_queue(const redis_options& options) {
  queue_access access;
  persistence::connection_options connection;
  std::string prefix = "tixsync";
  if (!options.config_path.empty()) {
    auto loaded = config::load_config(options.config_path);
    if (!loaded.ok()) {
      throw command_error(exit_bad_input,
                          "the config has problems:\n" + config::format_problems(loaded.problems));
    }
    access.config = std::move(loaded.config);
    prefix = access.config->redis.prefix;
    connection = connection_options_of(access.config->redis);
    if (access.config->redis.embedded && options.redis_url.empty()) {
      throw command_error(exit_usage, options.config_path +
                                          " has no [redis] section (embedded Redis): pass --redis");
    }
  } else if (options.redis_url.empty()) {
    throw command_error(exit_usage, "name the Redis with --config FILE or --redis URL");
  }
  if (!options.redis_url.empty()) connection = from_url(options.redis_url);
  if (!options.prefix.empty()) prefix = options.prefix;
  access.keys = persistence::key_space(prefix);
  if (!access.keys.valid().ok()) fail(access.keys.valid(), "--prefix " + prefix);
  connection.connect_attempts = 2;  // a person waits: fail within about a second
  access.connection = std::make_unique<persistence::redis_connection>(connection);
  if (auto connected = access.connection->connect(); !connected.ok()) {
    fail(connected, "connecting to Redis at " + where(connection));
  }
  return access;
}

persistence::queue_options queue_options_of(const config::tixsync_config& config,
                                            const persistence::key_space& keys) {
  persistence::queue_options o;
  o.keys = keys;
  o.snapshot_ttl_ms = config.retention.snapshots.count();
  o.results_ttl_ms = config.retention.results.count();
  o.audit_log_retention_ms = config.retention.audit.count();
  for (const auto& p : config.providers) o.snapshot_holders.push_back(p.id);
  return o;
}

persistence::queue_options queue_options_of(const queue_access& access) {
  if (access.config) return queue_options_of(*access.config, access.keys);
  persistence::queue_options o;
  o.keys = access.keys;
  return o;
}

void fail(const persistence::status& status, const std::string& doing) {
  exit_code code = exit_bad_input;
  switch (static_cast<persistence_errc>(status.code().value())) {
    case persistence_errc::unreachable:
    case persistence_errc::timeout:
    case persistence_errc::connection_lost:
    case persistence_errc::auth_failed:
    case persistence_errc::not_redis:
      code = exit_unavailable;
      break;
    case persistence_errc::not_found:
      code = exit_not_found;
      break;
    case persistence_errc::in_flight:
      code = exit_refused;
      break;
    default:
      break;
  }
  if (status.code().category() != persistence::persistence_category()) code = exit_bad_input;
  throw command_error(code, doing + ": " + status.to_string());
}

std::int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string format_time(std::int64_t ms) {
  if (ms <= 0) return "-";
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  char buffer[32];
  if (!gmtime_r(&seconds, &tm) ||
      std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
    return std::to_string(ms);  // beyond what a calendar date can show
  }
  return buffer;
}

persistence::item_state parse_item_state(const std::string& text) {
  using persistence::item_state;
  for (item_state s : {item_state::due, item_state::scheduled, item_state::follow_up,
                       item_state::in_flight, item_state::exceeded, item_state::permanent,
                       item_state::config, item_state::internal, item_state::timeout}) {
    if (text == persistence::to_string(s)) return s;
  }
  throw command_error(exit_usage, "unknown state '" + text + "'");
}

}  // namespace tixsync::app
