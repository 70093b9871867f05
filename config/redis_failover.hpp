// The [redis] keys of failover and access control: the Redis Sentinels that name the master, the
// master's name, the sentinels' password, the ACL user name, and how many replicas must confirm
// an acknowledged write. Read into redis_section with every problem located.
#pragma once

#include "config/table_reader.hpp"
#include "config/tixsync_config.hpp"

namespace tixsync::config {

/// Reads username, sentinels, master_name, sentinel_password_env, min_replicas_acked,
/// replica_ack_timeout and failover_timeout of the [redis] table `r` (after url and
/// password_env: `has_url` says whether the table has a url).
void read_redis_failover(table_reader& r, redis_section& redis, bool has_url);

/// "sentinel://NAME@host:port,host:port" for messages and summaries (no secret in it).
std::string describe_sentinels(const redis_section& redis);

}  // namespace tixsync::config
