// OAuth2 over real HTTP on loopback: a stand-in token endpoint written from RFC 6749 (form-encoded
// POST, client authentication by HTTP Basic, JSON answer with access_token and expires_in) and a
// resource that accepts only the current token. Many concurrent requests share one token
// request; an expiring token is replaced before it is used; a 401 costs one new token and one
// retry; a failing token endpoint gives every request its own error and sends nothing.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>

#include "providers/http/http_client.hpp"
#include "providers/rest/credentials.hpp"
#include "providers/rest/oauth_transport.hpp"
#include "tests/providers/http/loopback_server.hpp"
#include "tests/support/eventually.hpp"

namespace tixsync::providers::rest {
namespace {

using std::chrono::milliseconds;
using tixsync::testing::eventually;
using tixsync::testing::loopback_server;
using tixsync::testing::received_request;
using tixsync::testing::reply_action;
using tixsync::testing::scripted_reply;

/// The token endpoint and the resource in one server. Token n is "tok-n"; the resource accepts
/// the tokens `valid` says are valid.
struct oauth_stand_in {
  std::atomic<int> tokens_issued{0};
  std::atomic<int> resource_calls{0};
  std::atomic<int> expires_in{3600};
  std::function<scripted_reply()> token_failure;  ///< when set, answers every token request
  std::function<bool(const std::string&)> valid = [](const std::string&) { return true; };
  std::mutex mutex;
  std::vector<std::string> token_bodies;

  scripted_reply handle(const received_request& r) {
    if (r.target == "/oauth/token") return token(r);
    ++resource_calls;
    const std::string auth = r.header("Authorization");
    if (auth.rfind("Bearer ", 0) != 0 || !valid(auth.substr(7))) {
      return {reply_action::respond,
              401,
              {{"WWW-Authenticate", "Bearer error=\"invalid_token\""}},
              R"({"message":"expired token )" + auth.substr(std::min<std::size_t>(7, auth.size())) +
                  "\"}"};
    }
    return {reply_action::respond, 200, {{"Content-Type", "application/json"}}, "{\"ok\":true}"};
  }

  scripted_reply token(const received_request& r) {
    {
      std::lock_guard<std::mutex> lock(mutex);
      token_bodies.push_back(r.body);
    }
    if (token_failure) return token_failure();
    // RFC 6749 2.3.1 and 4.4.2: Basic client authentication, form-encoded grant.
    if (r.method != "POST" ||
        r.header("Authorization") != "Basic " + base64_encode("tixsync:client-secret-value") ||
        r.header("Content-Type") != "application/x-www-form-urlencoded" ||
        r.body.rfind("grant_type=client_credentials", 0) != 0) {
      return {reply_action::respond, 400, {}, R"({"error":"invalid_request"})"};
    }
    const int n = ++tokens_issued;
    scripted_reply reply{reply_action::respond,
                         200,
                         {{"Content-Type", "application/json"}, {"Cache-Control", "no-store"}},
                         R"({"access_token":"tok-)" + std::to_string(n) +
                             R"(","token_type":"Bearer","expires_in":)" +
                             std::to_string(expires_in.load()) + "}"};
    reply.delay = milliseconds(100);  // so that concurrent requests find the fetch in flight
    return reply;
  }
};

class OAuthLoopbackTest : public ::testing::Test {
 protected:
  oauth_stand_in stand_in;
  loopback_server server{[this](const received_request& r) { return stand_in.handle(r); }};
  std::shared_ptr<http::http_client> client = std::make_shared<http::http_client>();
  std::shared_ptr<oauth_token_source> tokens;
  std::shared_ptr<oauth_transport> transport;

  void SetUp() override {
    auth_settings auth;
    auth.type = auth_type::oauth2;
    auth.grant = "client_credentials";
    auth.token_url = server.url("/oauth/token");
    auth.client_id = "tixsync";
    auth.client_secret = config::secret("client-secret-value");
    auth.scopes = {"crm.objects.contacts.write"};
    tokens = std::make_shared<oauth_token_source>(auth, client, milliseconds(5000));
    transport = std::make_shared<oauth_transport>(client, tokens);
  }
  void TearDown() override { client->stop(); }

  /// Sends `n` GETs at once; returns their results once all completed.
  std::vector<http::http_result> send_many(int n) {
    auto results = std::make_shared<std::vector<http::http_result>>();
    auto mutex = std::make_shared<std::mutex>();
    for (int i = 0; i < n; ++i) {
      http::http_request request;
      request.url = server.url("/api/contacts/" + std::to_string(i));
      transport->send(request, [results, mutex](http::http_result r) {
        std::lock_guard<std::mutex> lock(*mutex);
        results->push_back(std::move(r));
      });
    }
    EXPECT_TRUE(eventually([&] {
      std::lock_guard<std::mutex> lock(*mutex);
      return results->size() == static_cast<std::size_t>(n);
    }));
    std::lock_guard<std::mutex> lock(*mutex);
    return *results;
  }
};

TEST_F(OAuthLoopbackTest, ConcurrentRequestsShareOneTokenRequest) {
  const auto results = send_many(40);
  for (const auto& r : results) {
    ASSERT_TRUE(r.response) << (r.error ? r.error->message : "");
    EXPECT_EQ(r.response->status, 200);
  }
  EXPECT_EQ(stand_in.tokens_issued.load(), 1);
  EXPECT_EQ(stand_in.token_bodies.at(0),
            "grant_type=client_credentials&scope=crm.objects.contacts.write");
  for (const auto& r : server.requests()) {
    if (r.target != "/oauth/token") EXPECT_EQ(r.header("Authorization"), "Bearer tok-1");
  }
  send_many(5);  // the cached token
  EXPECT_EQ(stand_in.tokens_issued.load(), 1);
}

TEST_F(OAuthLoopbackTest, AnExpiringTokenIsReplacedBeforeItIsUsed) {
  stand_in.expires_in = 1;  // replaced a tenth of a second before the second is over
  send_many(3);
  ASSERT_EQ(stand_in.tokens_issued.load(), 1);
  // Bounded: each round sends a request; a new token must come once the first ran out.
  ASSERT_TRUE(eventually([&] { return send_many(1), stand_in.tokens_issued.load() == 2; },
                         std::chrono::seconds(10), milliseconds(100)));
  stand_in.valid = [](const std::string& token) { return token == "tok-2"; };
  const auto after = send_many(1);
  ASSERT_TRUE(after.at(0).response);
  EXPECT_EQ(after.at(0).response->status, 200);  // the server never saw an expired token
}

TEST_F(OAuthLoopbackTest, A401FetchesOneNewTokenAndRetriesOnce) {
  send_many(1);
  stand_in.valid = [](const std::string& token) { return token != "tok-1"; };  // revoked
  const auto results = send_many(10);
  for (const auto& r : results) {
    ASSERT_TRUE(r.response);
    EXPECT_EQ(r.response->status, 200);
  }
  EXPECT_EQ(stand_in.tokens_issued.load(), 2);  // ten refusals of tok-1: one new token
}

TEST_F(OAuthLoopbackTest, ASecond401GoesToTheCallerWithTheTokenHidden) {
  stand_in.valid = [](const std::string&) { return false; };
  const auto results = send_many(1);
  ASSERT_TRUE(results.at(0).response);
  EXPECT_EQ(results.at(0).response->status, 401);
  EXPECT_EQ(results.at(0).response->body.find("tok-"), std::string::npos)
      << results.at(0).response->body;
  EXPECT_EQ(stand_in.tokens_issued.load(), 2);
  EXPECT_EQ(stand_in.resource_calls.load(), 2);  // the request and its one retry
}

TEST_F(OAuthLoopbackTest, AFailingTokenEndpointGivesEveryRequestAnErrorAndSendsNothing) {
  const std::vector<std::function<scripted_reply()>> failures{
      [] {
        return scripted_reply{reply_action::respond, 503, {}, "<html>down</html>"};
      },
      [] {
        return scripted_reply{reply_action::respond, 200, {}, "<html>sign in</html>"};
      },
      [] {
        return scripted_reply{reply_action::respond, 200, {}, R"({"expires_in":60})"};
      },
      [] { return scripted_reply{reply_action::drop}; },
  };
  for (const auto& failure : failures) {
    stand_in.token_failure = failure;
    const auto results = send_many(5);
    for (const auto& r : results) {
      ASSERT_FALSE(r.response);
      ASSERT_TRUE(r.error);
      EXPECT_EQ(r.error->kind, http::transport_error_kind::credentials);
      EXPECT_NE(r.error->message.find("token endpoint " + server.url("/oauth/token") + " failed"),
                std::string::npos)
          << r.error->message;
      EXPECT_EQ(r.error->message.find("client-secret-value"), std::string::npos);
    }
  }
  EXPECT_EQ(stand_in.resource_calls.load(), 0);
  EXPECT_GE(tokens->counters().failures, 4u);
}

}  // namespace
}  // namespace tixsync::providers::rest
