// The URL rules of the HTTP providers' settings.
#include "providers/rest/url_rules.hpp"

#include "config/url_secrets.hpp"

namespace tixsync::providers::rest {
namespace {

bool starts_with(const std::string& text, const char* prefix) {
  return text.rfind(prefix, 0) == 0;
}

/// The length of "http://" or "https://" at the start of `text`, 0 when neither.
std::size_t scheme_length(const std::string& text) {
  if (starts_with(text, "http://")) return 7;
  if (starts_with(text, "https://")) return 8;
  return 0;
}

}  // namespace

std::optional<std::string> base_url_problem(const std::string& url) {
  // Messages show the URL redacted: a query or a userinfo may carry a secret.
  const std::string shown = "\"" + config::redact_url(url) + "\"";
  const std::size_t scheme = scheme_length(url);
  if (scheme == 0) return shown + " must start with http:// or https://";
  const std::string rest = url.substr(scheme);
  const std::string authority = rest.substr(0, rest.find('/'));
  if (authority.empty()) return std::string("has no host");
  if (authority.find('@') != std::string::npos) {
    // Do not repeat the URL: it holds credentials.
    return std::string("must not contain credentials (user:password@); use the auth table");
  }
  if (url.find_first_of("?#") != std::string::npos) {
    return shown + " must not have a query or fragment";
  }
  if (url.find_first_of("{} \t\r\n") != std::string::npos) {
    return shown + " contains braces or blanks";
  }
  return std::nullopt;
}

std::optional<std::string> url_credentials_problem(const std::string& url) {
  auto why = config::url_credentials_problem(url);
  if (why) {
    *why +=
        ": authenticate with the auth table (bearer, api_key or basic), whose secrets come "
        "from environment variables";
  }
  return why;
}

bool is_usable_url_template(const std::string& text) {
  return starts_with(text, "/") || starts_with(text, "{base_url}") || scheme_length(text) > 0;
}

bool is_absolute_url_template(const std::string& text) {
  const std::size_t scheme = scheme_length(text);
  return scheme > 0 && text.size() > scheme && text[scheme] != '{' && text[scheme] != '/';
}

}  // namespace tixsync::providers::rest
