// Redis addresses as URLs: "redis://[:password@]host:port/db" or "unix:///path/to/redis.sock".
// Used by the config file's [redis] url and by the CLI's --redis option.
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
  std::string password;  ///< from ":password@", empty when absent
};

/// Parses a URL; nullopt with `error` set when malformed (scheme, port 1-65535, db 0-15). The
/// error never quotes the URL (it may hold a password): callers that name it use redact_url.
std::optional<redis_url> parse_redis_url(const std::string& text, std::string& error);

}  // namespace tixsync::config
