// The OAuth2 token cache without a network: one token request for many callers (single flight),
// the cached token until shortly before expiry (a hand-driven clock), invalidation by a 401, the
// RFC 6749 form body and client authentication, a rotated refresh token, and the token answers
// that give no token (each caller gets an error naming the token URL, never a secret).
#include "providers/rest/oauth_token_source.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <mutex>

#include "providers/rest/credentials.hpp"

namespace tixsync::providers::rest {
namespace {

using std::chrono::seconds;

/// Keeps every request until the test answers it.
class held_transport final : public http::http_transport {
 public:
  void send(http::http_request request, callback done) override {
    std::lock_guard<std::mutex> lock(mutex_);
    requests.push_back(request);
    pending_.push_back(std::move(done));
  }
  /// Answers the oldest pending request.
  void answer(int status, std::string body) {
    callback done;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      done = std::move(pending_.front());
      pending_.pop_front();
    }
    http::http_result result;
    result.response = http::http_response{status, {}, std::move(body)};
    done(std::move(result));
  }
  std::vector<http::http_request> requests;

 private:
  std::mutex mutex_;
  std::deque<callback> pending_;
};

auth_settings client_credentials() {
  auth_settings auth;
  auth.type = auth_type::oauth2;
  auth.grant = "client_credentials";
  auth.token_url = "http://127.0.0.1:9/oauth/token";
  auth.client_id = "tix sync";
  auth.client_secret = config::secret("s3cr&t");
  auth.scopes = {"crm.objects.read", "crm.objects.write"};
  return auth;
}

struct fixture {
  std::shared_ptr<held_transport> transport = std::make_shared<held_transport>();
  std::chrono::steady_clock::time_point now{};
  std::shared_ptr<oauth_token_source> source;
  explicit fixture(auth_settings auth = client_credentials()) {
    source = std::make_shared<oauth_token_source>(std::move(auth), transport, seconds(5),
                                                  [this] { return now; });
  }
  std::vector<token_outcome> outcomes;
  void get() {
    source->get([this](token_outcome o) { outcomes.push_back(std::move(o)); });
  }
};

TEST(OAuthTokenSource, ManyCallersWaitForOneTokenRequest) {
  fixture f;
  for (int i = 0; i < 5; ++i) f.get();
  ASSERT_EQ(f.transport->requests.size(), 1u);
  EXPECT_TRUE(f.outcomes.empty());
  f.transport->answer(200, R"({"access_token":"tok-1","token_type":"Bearer","expires_in":3600})");
  ASSERT_EQ(f.outcomes.size(), 5u);
  for (const auto& o : f.outcomes) EXPECT_EQ(o.access_token.value_or(""), "tok-1");
  f.get();  // cached: answered at once, no request
  EXPECT_EQ(f.transport->requests.size(), 1u);
  EXPECT_EQ(f.outcomes.back().access_token.value_or(""), "tok-1");
}

TEST(OAuthTokenSource, TheTokenIsReplacedShortlyBeforeItExpires) {
  fixture f;
  f.get();
  f.transport->answer(200, R"({"access_token":"tok-1","expires_in":100})");
  f.now += seconds(89);  // the margin is a tenth of the lifetime: 10 s
  f.get();
  EXPECT_EQ(f.transport->requests.size(), 1u);
  f.now += seconds(2);
  f.get();
  ASSERT_EQ(f.transport->requests.size(), 2u);
  f.transport->answer(200, R"({"access_token":"tok-2","expires_in":"100"})");
  EXPECT_EQ(f.outcomes.back().access_token.value_or(""), "tok-2");
  EXPECT_EQ(refresh_margin(seconds(3600)), seconds(60));
}

TEST(OAuthTokenSource, ATokenWithoutExpiryIsShortLived) {
  fixture f;
  f.get();
  f.transport->answer(200, R"({"access_token":"tok-1","token_type":"bearer"})");
  f.now += oauth_token_source::lifetime_without_expiry - seconds(7);
  f.get();
  EXPECT_EQ(f.transport->requests.size(), 1u);
  f.now += seconds(2);  // past lifetime minus its tenth
  f.get();
  EXPECT_EQ(f.transport->requests.size(), 2u);
}

TEST(OAuthTokenSource, InvalidateDropsOnlyTheRefusedToken) {
  fixture f;
  f.get();
  f.transport->answer(200, R"({"access_token":"tok-1","expires_in":3600})");
  f.source->invalidate("an-older-token");
  f.get();
  EXPECT_EQ(f.transport->requests.size(), 1u);
  f.source->invalidate("tok-1");
  f.source->invalidate("tok-1");
  f.get();
  f.get();
  EXPECT_EQ(f.transport->requests.size(), 2u);
}

TEST(OAuthTokenSource, SendsTheFormBodyWithBasicClientAuthentication) {
  fixture f;
  f.get();
  const auto& request = f.transport->requests.at(0);
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.url, "http://127.0.0.1:9/oauth/token");
  EXPECT_EQ(request.body, "grant_type=client_credentials&scope=crm.objects.read+crm.objects.write");
  http::http_response headers{0, request.headers, ""};
  EXPECT_EQ(headers.header("Content-Type").value_or(""), "application/x-www-form-urlencoded");
  // RFC 6749 2.3.1: form-encoded id and secret, then Basic.
  EXPECT_EQ(headers.header("Authorization").value_or(""),
            "Basic " + base64_encode("tix+sync:s3cr%26t"));
}

TEST(OAuthTokenSource, RefreshTokenGrantUsesTheRotatedRefreshToken) {
  auth_settings auth = client_credentials();
  auth.grant = "refresh_token";
  auth.scopes.clear();
  auth.client_auth = "body";
  auth.refresh_token = config::secret("rt-1");
  fixture f(auth);
  f.get();
  EXPECT_EQ(
      f.transport->requests.at(0).body,
      "grant_type=refresh_token&refresh_token=rt-1&client_id=tix+sync&client_secret=s3cr%26t");
  f.transport->answer(200, R"({"access_token":"tok-1","expires_in":3600,"refresh_token":"rt-2"})");
  f.source->invalidate("tok-1");
  f.get();
  EXPECT_NE(f.transport->requests.at(1).body.find("refresh_token=rt-2"), std::string::npos);
}

TEST(OAuthTokenSource, FailedTokenAnswersGiveEveryWaitingCallerAnError) {
  const std::vector<std::pair<int, std::string>> answers{
      {503, "<html>maintenance</html>"},
      {400, R"({"error":"invalid_client","error_description":"secret s3cr&t is wrong"})"},
      {200, "<html>login</html>"},
      {200, R"({"token_type":"bearer","expires_in":3600})"},
      {200, R"({"access_token":"t","token_type":"mac"})"},
  };
  for (const auto& [status, body] : answers) {
    fixture f;
    f.get();
    f.get();
    f.transport->answer(status, body);
    ASSERT_EQ(f.outcomes.size(), 2u) << body;
    for (const auto& o : f.outcomes) {
      EXPECT_FALSE(o.access_token);
      ASSERT_TRUE(o.error);
      EXPECT_EQ(o.error->kind, http::transport_error_kind::credentials);
      EXPECT_NE(o.error->message.find("token endpoint http://127.0.0.1:9/oauth/token failed"),
                std::string::npos)
          << o.error->message;
      EXPECT_EQ(o.error->message.find("s3cr"), std::string::npos) << o.error->message;
    }
    EXPECT_EQ(f.source->counters().failures, 1u);
    f.get();  // the next caller tries again
    EXPECT_EQ(f.transport->requests.size(), 2u);
  }
}

}  // namespace
}  // namespace tixsync::providers::rest
