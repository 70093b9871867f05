// Authentication headers of the three kinds, base64 and HMAC-SHA256 against published test
// vectors, and the redaction of secrets from errors.
#include "providers/rest/credentials.hpp"

#include <gtest/gtest.h>

namespace tixsync::providers::rest {
namespace {

TEST(credentials, bearer_api_key_and_basic_headers) {
  auth_settings bearer;
  bearer.type = auth_type::bearer;
  bearer.token = config::secret("t0ken");
  EXPECT_EQ(auth_headers(bearer), (http::header_list{{"Authorization", "Bearer t0ken"}}));

  auth_settings api_key;
  api_key.type = auth_type::api_key;
  api_key.header = "X-API-Key";
  api_key.token = config::secret("k3y");
  EXPECT_EQ(auth_headers(api_key), (http::header_list{{"X-API-Key", "k3y"}}));

  auth_settings basic;
  basic.type = auth_type::basic;
  basic.username = "Aladdin";
  basic.password = config::secret("open sesame");
  // RFC 7617's example.
  EXPECT_EQ(auth_headers(basic),
            (http::header_list{{"Authorization", "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="}}));

  EXPECT_TRUE(auth_headers(auth_settings{}).empty());
}

TEST(credentials, request_headers_accept_extra_and_auth) {
  connection_settings connection;
  connection.headers = {{"X-Tenant", "nordlicht"}};
  connection.auth.type = auth_type::bearer;
  connection.auth.token = config::secret("t");
  EXPECT_EQ(request_headers(connection), (http::header_list{{"Accept", "application/json"},
                                                            {"X-Tenant", "nordlicht"},
                                                            {"Authorization", "Bearer t"}}));
}

TEST(credentials, base64_rfc4648_vectors) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foob"), "Zm9vYg==");
  EXPECT_EQ(base64_encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
}

TEST(credentials, hmac_sha256_rfc4231_vector) {
  // RFC 4231 test case 2.
  EXPECT_EQ(hmac_sha256_hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(credentials, redactor_removes_secrets_and_their_encodings) {
  auth_settings basic;
  basic.type = auth_type::basic;
  basic.username = "sync";
  basic.password = config::secret("pa55");
  redactor redact;
  redact.add(basic);
  redact.add(std::string("whsecret"));
  redact.add(std::string());  // ignored
  const std::string encoded = base64_encode("sync:pa55");
  sync_error error =
      make_sync_error(sync_error_kind::unrecoverable, "echo: pa55 and Basic " + encoded,
                      "whsecret whsecretwhsecret");
  redact.apply(error);
  EXPECT_EQ(error.messages.at(0), "echo: *** and Basic ***");
  EXPECT_EQ(error.full_message, "*** ******");
  EXPECT_EQ(redact("nothing here"), "nothing here");
}

}  // namespace
}  // namespace tixsync::providers::rest
