// Redis addresses as URLs: "redis://[[user]:password@]host:port/db" or
// "unix:///path/to/redis.sock", and Redis Sentinel addresses ("host:port"). Used by the config
// file's [redis] url and sentinels and by the CLI's --redis option.
#pragma once

#include <optional>
#include <string>

namespace tixsync::config {

/// The parts of a Redis URL.
struct redis_url {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string unix_socket;  ///< set for unix:// URLs (host and port unused)
  int database = 0;
  std::string username;  ///< from "user:password@" (an ACL user), empty when absent
  std::string password;  ///< from ":password@", empty when absent
};

/// A "host:port" (port 1-65535; "[v6]:port" for IPv6), or nullopt with `error` set.
struct host_port {
  std::string host;
  int port = 0;
};
std::optional<host_port> parse_host_port(const std::string& text, std::string& error);

/// Parses a URL; nullopt with `error` set when malformed (scheme, port 1-65535, db 0-15). The
/// error never quotes the URL (it may hold a password): callers that name it use redact_url.
std::optional<redis_url> parse_redis_url(const std::string& text, std::string& error);

}  // namespace tixsync::config
