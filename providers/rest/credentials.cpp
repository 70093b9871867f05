// Authentication headers, base64 and HMAC with OpenSSL's libcrypto, and secret redaction.
#include "providers/rest/credentials.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <stdexcept>

namespace tixsync::providers::rest {

std::string base64_encode(const std::string& data) {
  std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
  const int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                      reinterpret_cast<const unsigned char*>(data.data()),
                                      static_cast<int>(data.size()));
  out.resize(static_cast<std::size_t>(std::max(written, 0)));
  return out;
}

std::string hmac_sha256_hex(const std::string& key, const std::string& data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
            reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest, &length)) {
    throw std::runtime_error("HMAC-SHA256 failed (OpenSSL)");
  }
  static const char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * length);
  for (unsigned int i = 0; i < length; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 0x0f];
  }
  return out;
}

http::header_list auth_headers(const auth_settings& auth) {
  switch (auth.type) {
    case auth_type::none:
    case auth_type::oauth2:  // per request, by the oauth_transport
      return {};
    case auth_type::bearer:
      return {{"Authorization", "Bearer " + auth.token.reveal()}};
    case auth_type::api_key:
      return {{auth.header, auth.token.reveal()}};
    case auth_type::basic:
      return {{"Authorization",
               "Basic " + base64_encode(auth.username + ":" + auth.password.reveal())}};
  }
  return {};
}

http::header_list request_headers(const connection_settings& connection) {
  http::header_list headers{{"Accept", "application/json"}};
  headers.insert(headers.end(), connection.headers.begin(), connection.headers.end());
  for (auto& header : auth_headers(connection.auth)) headers.push_back(std::move(header));
  return headers;
}

void redactor::add(const std::string& secret) {
  if (secret.empty()) return;
  if (std::find(secrets_.begin(), secrets_.end(), secret) == secrets_.end()) {
    secrets_.push_back(secret);
  }
  // Longest first, so a secret containing another is replaced as a whole.
  std::sort(secrets_.begin(), secrets_.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
}

void redactor::add(const auth_settings& auth) {
  add(auth.token.reveal());
  add(auth.password.reveal());
  if (auth.type == auth_type::basic) {
    add(base64_encode(auth.username + ":" + auth.password.reveal()));
  }
  add(auth.client_secret.reveal());
  add(auth.refresh_token.reveal());
}

std::string redactor::operator()(std::string text) const {
  for (const auto& secret : secrets_) {
    for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 3)) {
      text.replace(at, secret.size(), "***");
    }
  }
  return text;
}

void redactor::apply(sync_error& error) const {
  for (auto& message : error.messages) message = (*this)(std::move(message));
  error.full_message = (*this)(std::move(error.full_message));
  error.log_text = (*this)(std::move(error.log_text));
}

}  // namespace tixsync::providers::rest
