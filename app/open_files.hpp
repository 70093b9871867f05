// The node's file descriptors: raises the soft open-file limit to the hard one at start and
// derives the HTTP listener's connection cap from the result, keeping a reserve for Redis, the
// providers' connections and the process itself, so that idle clients cannot starve them.
#pragma once

#include <cstddef>
#include <cstdint>

#include "config/tixsync_config.hpp"

namespace tixsync::app {

/// Most connections a listener takes when no cap is configured, however high the limit.
constexpr std::size_t default_max_http_connections = 10000;
/// Descriptors a process keeps beside its listener's connections and its configured Redis and
/// provider connections: standard streams, event and timer descriptors, the pretix client, the
/// heartbeat's Redis connection, and up to 64 connections being answered 503.
constexpr std::size_t process_descriptor_reserve = 128;

/// Raises the soft RLIMIT_NOFILE to the hard limit; returns the soft limit then in force (the
/// old one when raising is refused; UINT64_MAX when unlimited).
std::uint64_t raise_open_file_limit();

/// Connections a listener may hold under `limit` open files keeping `reserve` for the rest:
/// limit - reserve, at most default_max_http_connections; 0 when the limit leaves no room.
std::size_t connections_within(std::uint64_t limit, std::size_t reserve);

/// Descriptors the node keeps for everything but its listener's connections:
/// process_descriptor_reserve, one per Redis connection of [node] store_threads and [http]
/// redis_threads, and the max_connections of each enabled rest or webhook provider.
std::size_t descriptor_reserve(const config::tixsync_config& config);

/// The listener's connection cap under `limit` open files: [http] max_connections when set,
/// else connections_within(limit, descriptor_reserve(config)). Throws
/// command_error(exit_bad_input) naming the limit and the reserve when the limit cannot hold
/// the configured cap or leaves no room at all. 0 when the node serves no HTTP.
std::size_t http_connection_cap(const config::tixsync_config& config, std::uint64_t limit);

}  // namespace tixsync::app
