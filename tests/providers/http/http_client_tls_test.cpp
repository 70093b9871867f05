// The HTTP client over TLS against a loopback HTTPS server whose certificates the test makes
// with the openssl tool: success with the test CA (by IP address and by host name, with
// keep-alive), failure without it, on a host-name mismatch, on a bad CA file, against a plain
// HTTP server, and the closed/stale cases over TLS.
#include <gtest/gtest.h>

#include <memory>

#include "providers/http/http_client.hpp"
#include "tests/providers/http/completion_log.hpp"
#include "tests/providers/http/loopback_server.hpp"
#include "tests/providers/http/test_certificates.hpp"

namespace tixsync::providers::http {
namespace {

using testing::get;
using testing::loopback_server;
using testing::received_request;
using testing::reply_action;
using testing::scripted_reply;
using testing::send_and_wait;
using testing::test_certificates;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

scripted_reply answer(const received_request& request) {
  scripted_reply reply;
  reply.body = "secure " + request.target;
  return reply;
}

class http_client_tls : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { certificates_ = std::make_unique<test_certificates>(); }
  static void TearDownTestSuite() { certificates_.reset(); }

  static client_options trusting_test_ca() {
    client_options options;
    options.ca_file = certificates_->ca_file();
    return options;
  }

  static std::unique_ptr<test_certificates> certificates_;
};

std::unique_ptr<test_certificates> http_client_tls::certificates_;

TEST_F(http_client_tls, succeeds_with_the_ca_file_and_reuses_the_connection) {
  loopback_server server(answer, certificates_->localhost());
  http_client client(trusting_test_ca());
  for (int i = 0; i < 3; ++i) {
    const http_result result = send_and_wait(client, get(server.url("/tls")));
    ASSERT_TRUE(result.ok()) << result.error->message;
    EXPECT_EQ(result.response->body, "secure /tls");
  }
  EXPECT_EQ(server.connections_accepted(), 1u);
  EXPECT_EQ(client.stats().connections_opened, 1u);
}

TEST_F(http_client_tls, succeeds_by_host_name) {
  loopback_server server(answer, certificates_->localhost());
  http_client client(trusting_test_ca());
  const std::string url = "https://localhost:" + std::to_string(server.port()) + "/named";
  const http_result result = send_and_wait(client, get(url));
  ASSERT_TRUE(result.ok()) << result.error->message;
  EXPECT_EQ(result.response->body, "secure /named");
  EXPECT_EQ(server.requests().at(0).header("Host"), "localhost:" + std::to_string(server.port()));
}

TEST_F(http_client_tls, fails_without_the_ca_file) {
  loopback_server server(answer, certificates_->localhost());
  http_client client;  // system CA store only
  const http_result result = send_and_wait(client, get(server.url("/")));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error->kind, transport_error_kind::tls);
  EXPECT_TRUE(contains(result.error->message,
                       "TLS handshake with 127.0.0.1:" + std::to_string(server.port()) + " failed"))
      << result.error->message;
  EXPECT_TRUE(contains(result.error->message, "certificate")) << result.error->message;
  EXPECT_EQ(server.requests_received(), 0u);
}

TEST_F(http_client_tls, fails_when_the_certificate_is_for_another_host) {
  loopback_server server(answer, certificates_->other_host());
  http_client client(trusting_test_ca());
  for (const std::string host : {"127.0.0.1", "localhost"}) {
    SCOPED_TRACE(host);
    const std::string url = "https://" + host + ":" + std::to_string(server.port()) + "/";
    const http_result result = send_and_wait(client, get(url));
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error->kind, transport_error_kind::tls);
    EXPECT_TRUE(contains(result.error->message, "mismatch")) << result.error->message;
  }
  EXPECT_EQ(server.requests_received(), 0u);
}

TEST_F(http_client_tls, accepts_any_certificate_only_with_verification_off) {
  loopback_server server(answer, certificates_->other_host());
  client_options options;
  options.verify_tls = false;
  http_client client(options);
  const http_result result = send_and_wait(client, get(server.url("/")));
  ASSERT_TRUE(result.ok()) << result.error->message;
  EXPECT_EQ(result.response->body, "secure /");
}

TEST_F(http_client_tls, a_missing_ca_file_is_a_constructor_error) {
  client_options options;
  options.ca_file = "/nonexistent/tixsync-ca.pem";
  try {
    http_client client(options);
    ADD_FAILURE() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_TRUE(contains(e.what(), "/nonexistent/tixsync-ca.pem")) << e.what();
  }
}

TEST_F(http_client_tls, https_to_a_plain_http_server_is_a_tls_error) {
  loopback_server server(answer);
  http_client client(trusting_test_ca());
  const std::string url = "https://127.0.0.1:" + std::to_string(server.port()) + "/";
  const http_result result = send_and_wait(client, get(url));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error->kind, transport_error_kind::tls);
}

TEST_F(http_client_tls, closed_mid_response_over_tls_is_closed) {
  loopback_server server(
      [](const received_request&) {
        scripted_reply reply;
        reply.action = reply_action::cut_mid_body;
        reply.body = std::string(20000, 'z');
        return reply;
      },
      certificates_->localhost());
  http_client client(trusting_test_ca());
  const http_result result = send_and_wait(client, get(server.url("/")));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error->kind, transport_error_kind::closed);
}

TEST_F(http_client_tls, a_stale_tls_connection_is_resent_transparently) {
  loopback_server server(
      [](const received_request& request) {
        scripted_reply reply = answer(request);
        if (request.index_on_connection > 1) reply.action = reply_action::drop;
        return reply;
      },
      certificates_->localhost());
  http_client client(trusting_test_ca());
  ASSERT_TRUE(send_and_wait(client, get(server.url("/1"))).ok());
  const http_result second = send_and_wait(client, get(server.url("/2")));
  ASSERT_TRUE(second.ok()) << second.error->message;
  EXPECT_EQ(second.response->body, "secure /2");
  EXPECT_EQ(server.connections_accepted(), 2u);
  EXPECT_EQ(client.stats().stale_retries, 1u);
}

}  // namespace
}  // namespace tixsync::providers::http
