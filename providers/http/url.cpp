// parse_url: splits an absolute http(s) URL into scheme, host, port and request target, and
// rejects anything the client cannot send with a message that names the URL and the problem.
// URLs with user info are rejected without repeating them, since they carry credentials.
#include <arpa/inet.h>

#include <stdexcept>
#include <string>
#include <string_view>

#include "providers/http/ascii.hpp"
#include "providers/http/http_client.hpp"

namespace tixsync::providers::http {
namespace {

[[noreturn]] void reject(const std::string& url, const std::string& problem) {
  throw std::invalid_argument("invalid URL '" + url + "': " + problem);
}

using detail::ascii_lower;

// ASCII only, and without the C library's locale lookups: a URL is parsed for every request.
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

bool is_alnum(char c) {
  const char lower = ascii_lower(c);
  return is_digit(c) || (lower >= 'a' && lower <= 'z');
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = ascii_lower(c);
  return out;
}

bool starts_with_ci(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (ascii_lower(text[i]) != prefix[i]) return false;
  }
  return true;
}

// Letters, digits, '-', '.', '_' and '~': what a registered name may contain once decoded (we
// do not decode percent escapes in host names).
bool valid_host_name(std::string_view host) {
  for (char c : host) {
    if (!is_alnum(c) && c != '-' && c != '.' && c != '_' && c != '~') return false;
  }
  return true;
}

bool valid_target(std::string_view target) {
  for (char c : target) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) return false;  // controls and spaces would break the request line
  }
  return true;
}

std::uint16_t parse_port(const std::string& url, std::string_view text, std::uint16_t fallback) {
  if (text.empty()) return fallback;  // "http://host:/" means the default port (RFC 3986)
  const std::string shown(text);
  if (text.size() > 5) reject(url, "port '" + shown + "' is out of range 1-65535");
  unsigned value = 0;
  for (char c : text) {
    if (!is_digit(c)) {
      reject(url, "port '" + shown + "' is not a number");
    }
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value == 0 || value > 65535) reject(url, "port '" + shown + "' is out of range 1-65535");
  return static_cast<std::uint16_t>(value);
}

}  // namespace

parsed_url parse_url(const std::string& url) {
  parsed_url result;
  std::size_t rest = 0;
  if (starts_with_ci(url, "https://")) {
    result.tls = true;
    rest = 8;
  } else if (starts_with_ci(url, "http://")) {
    rest = 7;
  } else {
    const auto colon = url.find("://");
    if (colon == std::string::npos || colon == 0) {
      reject(url, "not an absolute URL (expected http://host[:port]/path or https://...)");
    }
    reject(url, "scheme '" + url.substr(0, colon) + "' is not supported (only http and https)");
  }
  const std::uint16_t default_port = result.tls ? 443 : 80;

  // Views into `url`: a URL is parsed for every request, so only the results are copied.
  const std::string_view whole(url);
  // A loop rather than find_first_of, which tests each character against the set by a call.
  std::size_t authority_end = rest;
  while (authority_end < url.size() && url[authority_end] != '/' && url[authority_end] != '?' &&
         url[authority_end] != '#') {
    ++authority_end;
  }
  if (authority_end == url.size()) authority_end = std::string::npos;
  const std::string_view authority = whole.substr(
      rest, authority_end == std::string::npos ? std::string_view::npos : authority_end - rest);
  if (authority.find('@') != std::string_view::npos) {
    // Do not echo the URL: the part before '@' is a user name and password.
    throw std::invalid_argument(
        "invalid URL: user info (user:password@) in URLs is not supported; send credentials in a "
        "header");
  }
  if (authority.empty()) reject(url, "the host is missing");

  std::string_view port_text;
  if (authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) reject(url, "IPv6 address without closing ']'");
    result.host = lower(authority.substr(1, close - 1));
    in6_addr address{};
    if (result.host.empty() || inet_pton(AF_INET6, result.host.c_str(), &address) != 1) {
      reject(url, "'" + result.host + "' is not a valid IPv6 address");
    }
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty() && after.front() != ':') reject(url, "unexpected text after ']'");
    if (!after.empty()) port_text = after.substr(1);
  } else {
    const auto colon = authority.find(':');
    result.host = lower(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
    if (result.host.empty()) reject(url, "the host is missing");
    if (!valid_host_name(result.host)) {
      reject(url, "host '" + result.host + "' contains characters not allowed in a host name");
    }
  }
  result.port = parse_port(url, port_text, default_port);

  std::string_view target;
  if (authority_end != std::string::npos) {
    const auto fragment = url.find('#', authority_end);
    target = whole.substr(authority_end, fragment == std::string::npos ? std::string_view::npos
                                                                       : fragment - authority_end);
  }
  if (!valid_target(target)) reject(url, "the path or query contains a space or control character");
  if (target.empty() || target.front() == '?') result.target = "/";
  result.target += target;
  return result;
}

}  // namespace tixsync::providers::http
