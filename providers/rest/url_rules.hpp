// What the HTTP providers accept as URLs in their settings: a base URL (http or https, a host, no
// credentials, query or fragment) and URL templates (relative to the base URL, absolute, or
// starting with {base_url}; no credentials in userinfo or query). Checked when the provider is
// built, so a bad URL never reaches the HTTP client.
#pragma once

#include <optional>
#include <string>

namespace tixsync::providers::rest {

/// Why `url` cannot be a base URL, or nullopt when it can.
std::optional<std::string> base_url_problem(const std::string& url);

/// Why a URL (template) must not be written in the settings, or nullopt: it carries
/// credentials (config::url_credentials_problem); the message points to the auth table.
std::optional<std::string> url_credentials_problem(const std::string& url);

/// Whether a URL template starts with "/", "http://", "https://" or "{base_url}".
bool is_usable_url_template(const std::string& text);

/// Whether a URL template is absolute: "http://" or "https://" followed by a host that is not a
/// placeholder.
bool is_absolute_url_template(const std::string& text);

}  // namespace tixsync::providers::rest
