// Table tests of parse_url (valid URLs and the clear errors for invalid ones), plus the small
// value helpers of http_client.hpp: to_string(transport_error_kind) and http_response::header.
#include <gtest/gtest.h>

#include <stdexcept>

#include "providers/http/http_client.hpp"

namespace tixsync::providers::http {
namespace {

struct valid_case {
  std::string url;
  bool tls;
  std::string host;
  std::uint16_t port;
  std::string target;
};

TEST(parse_url, splits_valid_urls) {
  const std::vector<valid_case> cases = {
      {"http://example.com", false, "example.com", 80, "/"},
      {"http://example.com/", false, "example.com", 80, "/"},
      {"https://example.com", true, "example.com", 443, "/"},
      {"https://api.example.com/v1/contacts?limit=10&x=%20", true, "api.example.com", 443,
       "/v1/contacts?limit=10&x=%20"},
      {"http://127.0.0.1:8089/hook", false, "127.0.0.1", 8089, "/hook"},
      {"HTTPS://Example.COM:8443/Path", true, "example.com", 8443, "/Path"},
      {"http://example.com?q=1", false, "example.com", 80, "/?q=1"},
      {"http://example.com/a#fragment", false, "example.com", 80, "/a"},
      {"http://example.com#fragment", false, "example.com", 80, "/"},
      {"http://[::1]:8080/x", false, "::1", 8080, "/x"},
      {"https://[2001:DB8::1]/", true, "2001:db8::1", 443, "/"},
      {"http://[::1]", false, "::1", 80, "/"},
      {"http://example.com:/x", false, "example.com", 80, "/x"},
      {"http://my_host-1.internal:65535/", false, "my_host-1.internal", 65535, "/"},
      {"http://localhost:1/", false, "localhost", 1, "/"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.url);
    const parsed_url url = parse_url(c.url);
    EXPECT_EQ(url.tls, c.tls);
    EXPECT_EQ(url.host, c.host);
    EXPECT_EQ(url.port, c.port);
    EXPECT_EQ(url.target, c.target);
  }
}

struct invalid_case {
  std::string url;
  std::string message_part;
};

TEST(parse_url, rejects_invalid_urls_with_a_clear_message) {
  const std::vector<invalid_case> cases = {
      {"", "not an absolute URL"},
      {"example.com/path", "not an absolute URL"},
      {"/relative/path", "not an absolute URL"},
      {"ftp://example.com/file", "scheme 'ftp' is not supported"},
      {"://example.com", "not an absolute URL"},
      {"http://", "the host is missing"},
      {"http:///path", "the host is missing"},
      {"http://:8080/", "the host is missing"},
      {"http://example.com:http/", "port 'http' is not a number"},
      {"http://example.com:0/", "out of range"},
      {"http://example.com:65536/", "out of range"},
      {"http://example.com:123456/", "out of range"},
      {"http://exa mple.com/", "not allowed in a host name"},
      {"http://[::1/", "without closing ']'"},
      {"http://[not-ipv6]/", "not a valid IPv6 address"},
      {"http://[]/", "not a valid IPv6 address"},
      {"http://[::1]x/", "unexpected text after ']'"},
      {"http://example.com/a b", "space or control character"},
      {"http://example.com/a\r\nX-Injected: 1", "space or control character"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.url);
    try {
      parse_url(c.url);
      ADD_FAILURE() << "no exception";
    } catch (const std::invalid_argument& e) {
      const std::string message = e.what();
      EXPECT_NE(message.find(c.message_part), std::string::npos) << message;
      EXPECT_NE(message.find("invalid URL"), std::string::npos) << message;
    }
  }
}

TEST(parse_url, does_not_repeat_credentials_in_its_error) {
  try {
    parse_url("https://admin:s3cret@example.com/");
    ADD_FAILURE() << "no exception";
  } catch (const std::invalid_argument& e) {
    const std::string message = e.what();
    EXPECT_EQ(message.find("s3cret"), std::string::npos) << message;
    EXPECT_NE(message.find("user info"), std::string::npos) << message;
  }
}

TEST(transport_error_kind, has_a_name_for_every_kind) {
  EXPECT_STREQ(to_string(transport_error_kind::bad_url), "bad_url");
  EXPECT_STREQ(to_string(transport_error_kind::resolve), "resolve");
  EXPECT_STREQ(to_string(transport_error_kind::connect), "connect");
  EXPECT_STREQ(to_string(transport_error_kind::tls), "tls");
  EXPECT_STREQ(to_string(transport_error_kind::timeout), "timeout");
  EXPECT_STREQ(to_string(transport_error_kind::closed), "closed");
  EXPECT_STREQ(to_string(transport_error_kind::protocol), "protocol");
  EXPECT_STREQ(to_string(transport_error_kind::body_too_large), "body_too_large");
  EXPECT_STREQ(to_string(transport_error_kind::shutdown), "shutdown");
}

TEST(http_response, finds_the_first_header_of_a_name_in_any_case) {
  http_response response;
  response.headers = {{"Content-Type", "application/json"},
                      {"Set-Cookie", "a=1"},
                      {"set-cookie", "b=2"},
                      {"X-Empty", ""}};
  EXPECT_EQ(response.header("content-type"), "application/json");
  EXPECT_EQ(response.header("CONTENT-TYPE"), "application/json");
  EXPECT_EQ(response.header("Set-Cookie"), "a=1");
  EXPECT_EQ(response.header("x-empty"), "");
  EXPECT_EQ(response.header("Retry-After"), std::nullopt);
  EXPECT_EQ(response.header("Content-Typ"), std::nullopt);
}

TEST(http_result, is_ok_only_with_a_response) {
  http_result result;
  EXPECT_FALSE(result.ok());
  result.response = http_response{};
  EXPECT_TRUE(result.ok());
}

}  // namespace
}  // namespace tixsync::providers::http
