// What in a URL or a header may be a secret: the userinfo ("user:password@"), query parameters
// named like credentials (api_key, token, access_token, ...) and headers named like them. Used
// to refuse credentials written into the config file and to keep them out of error messages.
#pragma once

#include <optional>
#include <string>

namespace tixsync::config {

/// Whether a header or query parameter name says it carries a credential: it holds "token",
/// "secret", "passw", "apikey", "credential", "signature", "session" or "cookie", or one of its
/// words (split at "-" and "_") is "key", "auth", "sig" or "pwd" ("Idempotency-Key" is not).
bool is_credential_name(const std::string& name);

/// `url` with its userinfo replaced by "***" and the value of every query parameter by "***",
/// for messages that must name a URL that may carry a secret.
std::string redact_url(const std::string& url);

/// Why `url` must not be written in the config file, or nullopt: it holds a userinfo
/// ("user:password@") or a credential-named query parameter with a literal value (a value that
/// is only a "{placeholder}" is not literal). Never repeats the secret.
std::optional<std::string> url_credentials_problem(const std::string& url);

/// Whether `url` (http:// or https://) names the loopback host: localhost, 127.0.0.0/8, ::1.
bool is_loopback_url(const std::string& url);

}  // namespace tixsync::config
