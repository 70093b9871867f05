// What the queue commands (enqueue, jobs, retry, cancel, explain, resync) share: the options that
// say which Redis to use (--config FILE, or --redis URL and --prefix), the connection made from
// them, and the mapping of persistence errors to the program's exit codes.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "app/commands.hpp"
#include "config/tixsync_config.hpp"
#include "persistence/errors.hpp"
#include "persistence/keys.hpp"
#include "persistence/queue_store.hpp"
#include "persistence/queue_types.hpp"
#include "persistence/redis_connection.hpp"

namespace CLI {
class App;
}

namespace tixsync::app {

/// The options every queue command takes.
struct redis_options {
  std::string config_path;
  std::string redis_url;
  std::string prefix;
  bool json = false;
};

/// Adds --config, --redis, --prefix and --json to `cmd`.
void add_redis_options(CLI::App& cmd, redis_options& options);

/// A connection and key space resolved from the options; the config when one was given.
struct queue_access {
  std::optional<config::tixsync_config> config;
  persistence::key_space keys;
  std::unique_ptr<persistence::redis_connection> connection;
};

/// How to connect to the Redis of a [redis] section (sentinels included).
persistence::connection_options connection_options_of(const config::redis_section& redis);
/// The sentinels, master name and replica confirmation of a [redis] section (no log).
persistence::failover_options failover_of(const config::redis_section& redis);

/// "host:port", or for sentinels "the master 'NAME' of the sentinels", for messages.
std::string where(const persistence::connection_options& connection);

/// Loads the config (exit 1 listing every problem), parses --redis (exit 1), and connects
/// (exit 3 when Redis is unreachable or what answers there is not a Redis).
queue_access open_queue(const redis_options& options);

/// command_error for a failed persistence call: 1 bad input, 3 Redis unavailable (or not a
/// Redis), 4 not found,
/// 5 refused (in flight); `doing` says what was attempted.
[[noreturn]] void fail(const persistence::status& status, const std::string& doing);

/// The value of a persistence call, or fail().
template <class T>
T must(persistence::status_or<T> result, const std::string& doing) {
  if (!result.ok()) fail(result.error(), doing);
  return std::move(result).value();
}

/// The queue's options under `keys` with the config's [retention] (TTLs; every configured
/// provider holds snapshots).
persistence::queue_options queue_options_of(const config::tixsync_config& config,
                                            const persistence::key_space& keys);
/// queue_options_of the access's config, or the defaults (no config given: nothing expires
/// that would not without the command).
persistence::queue_options queue_options_of(const queue_access& access);

/// Unix milliseconds now.
std::int64_t now_ms();
/// "2025-05-03T10:03:27Z" for unix milliseconds ("-" for 0).
std::string format_time(std::int64_t ms);
/// An item state name as given on the command line; exit 2 when unknown.
persistence::item_state parse_item_state(const std::string& text);

}  // namespace tixsync::app
