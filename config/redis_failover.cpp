// Reading and checking [redis] sentinels, master_name, username and the replica confirmation keys.
#include "config/redis_failover.hpp"

#include "config/redis_url.hpp"

namespace tixsync::config {
namespace {

using std::chrono::milliseconds;

/// Each entry of `sentinels` as host:port; a problem at each bad entry.
void read_sentinels(table_reader& r, redis_section& redis, bool has_url) {
  std::vector<std::string> entries;
  if (!r.string_list("sentinels", entries)) return;
  const toml::node& node = *r.raw().get("sentinels");
  redis.sentinels_location = r.sink().where(node.source());
  if (entries.empty()) r.problem(node, "sentinels", "name at least one sentinel (host:port)");
  if (has_url) {
    r.problem(node, "sentinels",
              "sentinels and url exclude each other: the sentinels name the master's address");
  }
  const toml::array* array = node.as_array();
  for (std::size_t i = 0; i < entries.size(); ++i) {
    std::string error;
    auto address = parse_host_port(entries[i], error);
    if (!address) {
      const toml::node& at = array ? *array->get(i) : node;
      r.problem(at, "sentinels[" + std::to_string(i) + "]", "'" + entries[i] + "': " + error);
      continue;
    }
    redis.sentinels.push_back({address->host, address->port});
  }
}

void read_master_name(table_reader& r, redis_section& redis, bool sentinels) {
  const bool given = r.string("master_name", redis.master_name);
  const toml::node* node = r.raw().get("master_name");
  if (sentinels && !given) {
    r.sink().add(r.raw().source(), r.path_of("master_name"),
                 "missing: name the master the sentinels monitor (sentinel monitor NAME ...)");
  } else if (given && sentinels && redis.master_name.empty()) {
    r.problem(*node, "master_name",
              "must not be empty: name the master the sentinels monitor (sentinel monitor NAME)");
  } else if (given && !sentinels) {
    r.problem(*node, "master_name", "needs sentinels (the servers that know this master)");
  }
}

void read_username(table_reader& r, redis_section& redis) {
  if (!r.string("username", redis.username)) return;
  const toml::node& node = *r.raw().get("username");
  if (redis.username.empty() || redis.username.find_first_of(" \t\r\n") != std::string::npos) {
    r.problem(node, "username", "must be an ACL user name without spaces");
  } else if (redis.password_env.empty()) {
    r.problem(node, "username",
              "an ACL user needs its password: name its environment variable in "
              "redis.password_env");
  }
}

}  // namespace

void read_redis_failover(table_reader& r, redis_section& redis, bool has_url) {
  read_username(r, redis);
  read_sentinels(r, redis, has_url);
  const bool sentinels = r.raw().get("sentinels") != nullptr;
  read_master_name(r, redis, sentinels);
  r.secret_env("sentinel_password_env", redis.sentinel_password_env, redis.sentinel_password);
  redis.min_replicas_acked = sentinels ? 1 : 0;
  r.integer("min_replicas_acked", redis.min_replicas_acked, 0, 16);
  r.duration("replica_ack_timeout", redis.replica_ack_timeout, milliseconds(1),
             milliseconds(60000));
  r.duration("failover_timeout", redis.failover_timeout, milliseconds(100), milliseconds(600000));
  if (!redis.sentinels.empty()) redis.url = describe_sentinels(redis);
}

std::string describe_sentinels(const redis_section& redis) {
  std::string out = "sentinel://" + redis.master_name + "@";
  for (std::size_t i = 0; i < redis.sentinels.size(); ++i) {
    out += (i ? "," : "") + redis.sentinels[i].host + ":" + std::to_string(redis.sentinels[i].port);
  }
  return out;
}

}  // namespace tixsync::config
