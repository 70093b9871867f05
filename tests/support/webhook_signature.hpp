// The signature header a webhook delivery must carry, computed with OpenSSL and not with the
// provider's code, so tests check the provider against an independent implementation. Tests that
// include it link OpenSSL::Crypto.
#pragma once

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstdio>
#include <string>

namespace tixsync::testing {

/// "t=<timestamp>,v1=" and the lower-case hex HMAC-SHA256 of "<timestamp>.<body>" under `secret`.
inline std::string expected_webhook_signature(const std::string& secret,
                                              const std::string& timestamp,
                                              const std::string& body) {
  const std::string text = timestamp + "." + body;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest, &length);
  std::string hex = "t=" + timestamp + ",v1=";
  char byte[3];
  for (unsigned int i = 0; i < length; ++i) {
    std::snprintf(byte, sizeof byte, "%02x", digest[i]);
    hex += byte;
  }
  return hex;
}

}  // namespace tixsync::testing
