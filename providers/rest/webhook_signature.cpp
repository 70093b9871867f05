// webhook_signature: "t=...,v1=..." built and checked with a constant-time comparison.
#include "providers/rest/webhook_signature.hpp"

#include <openssl/crypto.h>

#include <cstdlib>
#include <vector>

#include "providers/rest/credentials.hpp"

namespace tixsync::providers::rest {
namespace {

std::string signed_text(const std::string& timestamp, const std::string& body) {
  return timestamp + "." + body;
}

bool same_digest(const std::string& given, const std::string& expected) {
  return given.size() == expected.size() &&
         CRYPTO_memcmp(given.data(), expected.data(), given.size()) == 0;
}

/// Reads `text` as a whole number of at most 18 digits; false when it is none.
bool parse_seconds(const std::string& text, std::int64_t& out) {
  if (text.empty() || text.size() > 18) return false;
  out = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    out = out * 10 + (c - '0');
  }
  return true;
}

}  // namespace

std::string webhook_signature(const std::string& secret, std::int64_t unix_seconds,
                              const std::string& body) {
  const std::string t = std::to_string(unix_seconds);
  return "t=" + t + ",v1=" + hmac_sha256_hex(secret, signed_text(t, body));
}

std::string check_webhook_signature(const std::string& secret, const std::string& header,
                                    const std::string& body, std::int64_t now_unix_seconds,
                                    std::chrono::seconds tolerance) {
  std::string timestamp;
  std::vector<std::string> digests;
  std::size_t start = 0;
  while (start <= header.size()) {
    const std::size_t comma = std::min(header.find(',', start), header.size());
    const std::string part = header.substr(start, comma - start);
    if (part.rfind("t=", 0) == 0) timestamp = part.substr(2);
    if (part.rfind("v1=", 0) == 0) digests.push_back(part.substr(3));
    start = comma + 1;
  }
  std::int64_t sent = 0;
  if (!parse_seconds(timestamp, sent)) return "the signature has no t=<unix seconds>";
  if (digests.empty()) return "the signature has no v1=<hex>";
  if (std::llabs(now_unix_seconds - sent) > tolerance.count()) {
    return "the signature's time t=" + timestamp + " is more than " +
           std::to_string(tolerance.count()) + " s away from now (a replay, or a wrong clock)";
  }
  const std::string expected = hmac_sha256_hex(secret, signed_text(timestamp, body));
  for (const auto& digest : digests) {
    if (same_digest(digest, expected)) return "";
  }
  return "the signature does not match the body and time (another secret, or a changed body)";
}

}  // namespace tixsync::providers::rest
