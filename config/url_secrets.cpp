// Credential-named parameters and headers, URL redaction, and the loopback check.
#include "config/url_secrets.hpp"

#include <algorithm>
#include <cctype>
#include <vector>

namespace tixsync::config {
namespace {

std::string lower(std::string text) {
  for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

std::vector<std::string> words_of(const std::string& name) {
  std::vector<std::string> words;
  std::string word;
  for (char c : name + "-") {
    if (c == '-' || c == '_' || c == '.') {
      if (!word.empty()) words.push_back(word);
      word.clear();
    } else {
      word += c;
    }
  }
  return words;
}

/// Where the authority of `url` begins (after "scheme://"), or npos when it has none.
std::size_t authority_start(const std::string& url) {
  const auto scheme = url.find("://");
  if (scheme == std::string::npos || url.find_first_of("/?#") < scheme) return std::string::npos;
  return scheme + 3;
}

/// The authority of `url` ("user:pw@host:port"), "" when it has none.
std::string authority_of(const std::string& url) {
  const auto start = authority_start(url);
  if (start == std::string::npos) return "";
  return url.substr(start, url.find_first_of("/?#", start) - start);
}

bool is_placeholder(const std::string& value) {
  return value.size() >= 2 && value.front() == '{' && value.back() == '}' &&
         value.find_first_of("{}", 1) == value.size() - 1;
}

}  // namespace

bool is_credential_name(const std::string& name) {
  const std::string text = lower(name);
  for (const char* part :
       {"token", "secret", "passw", "apikey", "credential", "signature", "session", "cookie"}) {
    if (text.find(part) != std::string::npos) return true;
  }
  const auto words = words_of(text);
  if (std::find(words.begin(), words.end(), "idempotency") != words.end()) return false;
  return std::any_of(words.begin(), words.end(), [](const std::string& w) {
    return w == "key" || w == "auth" || w == "sig" || w == "pwd" || w == "authorization";
  });
}

std::string redact_url(const std::string& url) {
  std::string out = url;
  // The last "@" anywhere: a password may hold "/", "?" or "#", and hiding too much is harmless.
  std::size_t start = authority_start(out);
  if (start == std::string::npos) start = 0;
  const auto at = out.rfind('@');
  if (at != std::string::npos && at >= start) out.replace(start, at - start, "***");
  const auto query = out.find('?');
  if (query == std::string::npos) return out;
  const auto fragment = out.find('#', query);
  std::string redacted;
  std::size_t i = query + 1;
  const std::size_t end = fragment == std::string::npos ? out.size() : fragment;
  while (i <= end) {
    std::size_t next = out.find('&', i);
    if (next == std::string::npos || next > end) next = end;
    const std::string pair = out.substr(i, next - i);
    const auto equals = pair.find('=');
    redacted += (redacted.empty() ? "" : "&") +
                (equals == std::string::npos ? pair : pair.substr(0, equals) + "=***");
    i = next + 1;
  }
  return out.substr(0, query + 1) + redacted + (fragment == std::string::npos ? "" : "#***");
}

std::optional<std::string> url_credentials_problem(const std::string& url) {
  if (authority_of(url).find('@') != std::string::npos) {
    return std::string("must not carry credentials (user:password@)");
  }
  const auto query = url.find('?');
  if (query == std::string::npos) return std::nullopt;
  const std::string text = url.substr(query + 1, url.find('#', query) - query - 1);
  std::size_t i = 0;
  while (i <= text.size()) {
    const std::size_t next = std::min(text.find('&', i), text.size());
    const std::string pair = text.substr(i, next - i);
    const auto equals = pair.find('=');
    const std::string name = pair.substr(0, equals);
    const std::string value = equals == std::string::npos ? "" : pair.substr(equals + 1);
    if (is_credential_name(name) && !value.empty() && !is_placeholder(value)) {
      return "must not carry a credential in its query (parameter \"" + name + "\")";
    }
    i = next + 1;
  }
  return std::nullopt;
}

bool is_loopback_url(const std::string& url) {
  std::string host = authority_of(url);
  host = host.substr(host.rfind('@') == std::string::npos ? 0 : host.rfind('@') + 1);
  if (!host.empty() && host.front() == '[') {
    host = host.substr(1, host.find(']') - 1);
  } else {
    host = host.substr(0, host.find(':'));
  }
  host = lower(host);
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

}  // namespace tixsync::config
