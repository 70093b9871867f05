// What proves a request's origin to the external system: the authentication headers (bearer,
// API key, basic), the webhook's HMAC-SHA256 signature, and the redaction that keeps every
// secret (and its encodings) out of errors and log lines.
#pragma once

#include <string>
#include <vector>

#include "providers/http/http_client.hpp"
#include "providers/rest/connection_settings.hpp"
#include "providers/sync_error.hpp"

namespace tixsync::providers::rest {

/// The headers authenticating a request: `Authorization: Bearer <token>`, `<header>: <token>`
/// or `Authorization: Basic base64(user:password)`; none for auth_type::none.
http::header_list auth_headers(const auth_settings& auth);

/// The headers of every request: "Accept: application/json", the configured extra headers and
/// the authentication headers.
http::header_list request_headers(const connection_settings& connection);

/// Standard base64 with padding (RFC 4648).
std::string base64_encode(const std::string& data);

/// Lower-case hex of HMAC-SHA256(key, data) (OpenSSL).
std::string hmac_sha256_hex(const std::string& key, const std::string& data);

/// Replaces every occurrence of a secret with "***".
class redactor {
 public:
  redactor() = default;
  /// Registers `auth`'s secrets and the header values derived from them.
  void add(const auth_settings& auth);
  /// Registers one secret (ignored when empty).
  void add(const std::string& secret);

  std::string operator()(std::string text) const;
  /// Redacts the messages and the full message of `error`.
  void apply(sync_error& error) const;

 private:
  std::vector<std::string> secrets_;
};

}  // namespace tixsync::providers::rest
