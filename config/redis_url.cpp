// Parsing of redis:// and unix:// URLs into host, port, socket, database, user and password, and of
// "host:port" addresses.
#include "config/redis_url.hpp"

#include <cctype>

namespace tixsync::config {
namespace {

/// A non-negative decimal number within [min, max], or nullopt.
std::optional<int> parse_number(const std::string& text, int min, int max) {
  if (text.empty() || text.size() > 6) return std::nullopt;
  int value = 0;
  for (char c : text) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    value = value * 10 + (c - '0');
  }
  if (value < min || value > max) return std::nullopt;
  return value;
}

std::optional<redis_url> parse_tcp(std::string rest, std::string& error) {
  redis_url url;
  if (auto at = rest.rfind('@'); at != std::string::npos) {
    std::string user_info = rest.substr(0, at);
    rest = rest.substr(at + 1);
    auto colon = user_info.find(':');
    url.password = colon == std::string::npos ? user_info : user_info.substr(colon + 1);
    if (colon != std::string::npos) url.username = user_info.substr(0, colon);
  }
  if (auto slash = rest.find('/'); slash != std::string::npos) {
    auto db = parse_number(rest.substr(slash + 1), 0, 15);
    if (!db && slash + 1 < rest.size()) {
      error = "the database after '/' must be a number from 0 to 15";
      return std::nullopt;
    }
    url.database = db.value_or(0);
    rest = rest.substr(0, slash);
  }
  if (auto colon = rest.rfind(':'); colon != std::string::npos) {
    auto port = parse_number(rest.substr(colon + 1), 1, 65535);
    if (!port) {
      error = "the port must be a number from 1 to 65535";
      return std::nullopt;
    }
    url.port = *port;
    rest = rest.substr(0, colon);
  }
  if (rest.empty()) {
    error = "the URL names no host";
    return std::nullopt;
  }
  url.host = rest;
  return url;
}

}  // namespace

std::optional<host_port> parse_host_port(const std::string& text, std::string& error) {
  const auto colon = text.rfind(':');
  std::string host = colon == std::string::npos ? text : text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (colon == std::string::npos || host.empty()) {
    error = "expected host:port, e.g. 10.0.0.5:26379";
    return std::nullopt;
  }
  auto port = parse_number(text.substr(colon + 1), 1, 65535);
  if (!port) {
    error = "the port must be a number from 1 to 65535";
    return std::nullopt;
  }
  if (host.find_first_of(" /@\t") != std::string::npos) {
    error = "the host must not contain spaces, '/' or '@'";
    return std::nullopt;
  }
  return host_port{host, *port};
}

std::optional<redis_url> parse_redis_url(const std::string& text, std::string& error) {
  const std::string tcp = "redis://";
  const std::string unix_scheme = "unix://";
  if (text.compare(0, tcp.size(), tcp) == 0) return parse_tcp(text.substr(tcp.size()), error);
  if (text.compare(0, unix_scheme.size(), unix_scheme) == 0) {
    redis_url url;
    url.unix_socket = text.substr(unix_scheme.size());
    if (url.unix_socket.empty() || url.unix_socket[0] != '/') {
      error = "a unix URL needs an absolute socket path, e.g. unix:///run/redis/redis.sock";
      return std::nullopt;
    }
    return url;
  }
  error = "expected redis://[[user]:password@]host:port/db or unix:///path/to/redis.sock";
  return std::nullopt;
}

}  // namespace tixsync::config
