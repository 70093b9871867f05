// The classification of HTTP results on its own: success, not found where it is an answer, the
// recoverable statuses with Retry-After (seconds and HTTP date), permanent statuses, transport
// failures, and messages that name the call without its query and cut the body.
#include "providers/rest/response_classification.hpp"

#include <gtest/gtest.h>

#include "tests/providers/rest/scripted_transport.hpp"

namespace tixsync::providers::rest {
namespace {

using testing::respond;
using testing::transport_failure;

const http_call lookup{"GET", "http://crm.test/api/contact?email=anna%40example.org", true};
const http_call create{"POST", "http://crm.test/api/contact", false};

// 2015-10-21 07:28:00 UTC, the example date of RFC 7231.
const sync_clock::time_point now = from_unix_ms(1445412480000);

classified_response classify(const http::http_result& result, const http_call& call = create) {
  return classify_response(result, call, now);
}

TEST(response_classification, success_and_not_found) {
  for (int status : {200, 201, 204, 299}) {
    EXPECT_EQ(classify(respond(status)).kind, response_kind::success) << status;
  }
  EXPECT_EQ(classify(respond(404), lookup).kind, response_kind::not_found);
  // A 404 where nothing is looked up is a permanent error.
  const auto update_404 = classify(respond(404, R"({"error":"gone"})"));
  ASSERT_EQ(update_404.kind, response_kind::failed);
  EXPECT_EQ(update_404.error->kind, sync_error_kind::unrecoverable);
  EXPECT_EQ(update_404.error->signature, "http-404");
}

TEST(response_classification, recoverable_statuses) {
  for (int status : {408, 425, 500, 502, 503, 504, 599}) {
    const auto c = classify(respond(status));
    ASSERT_EQ(c.kind, response_kind::failed) << status;
    EXPECT_EQ(c.error->kind, sync_error_kind::recoverable) << status;
    EXPECT_EQ(c.error->signature, "http-" + std::to_string(status));
    EXPECT_FALSE(c.error->retry_at) << status;
  }
}

TEST(response_classification, rate_limited_with_retry_after_seconds) {
  const auto c = classify(respond(429, "slow down", {{"retry-after", "120"}}));
  ASSERT_EQ(c.kind, response_kind::failed);
  EXPECT_EQ(c.error->kind, sync_error_kind::rate_limited);
  EXPECT_EQ(c.error->signature, "http-429");
  ASSERT_TRUE(c.error->retry_at);
  EXPECT_EQ(*c.error->retry_at, now + std::chrono::seconds(120));
}

TEST(response_classification, retry_after_as_http_date) {
  const auto c = classify(respond(503, "", {{"Retry-After", "Wed, 21 Oct 2015 07:38:00 GMT"}}));
  ASSERT_EQ(c.kind, response_kind::failed);
  EXPECT_EQ(c.error->kind, sync_error_kind::recoverable);
  ASSERT_TRUE(c.error->retry_at);
  EXPECT_EQ(to_unix_ms(*c.error->retry_at), 1445413080000);
  // A malformed value is ignored (the backoff decides).
  const auto bad = classify(respond(503, "", {{"Retry-After", "soon"}}));
  EXPECT_FALSE(bad.error->retry_at);
  // Retry-After on a permanent error does not make it retryable.
  const auto permanent = classify(respond(400, "", {{"Retry-After", "5"}}));
  EXPECT_EQ(permanent.error->kind, sync_error_kind::unrecoverable);
  EXPECT_FALSE(permanent.error->retry_at);
}

TEST(response_classification, other_statuses_are_permanent) {
  for (int status : {301, 304, 400, 401, 403, 405, 409, 410, 422}) {
    const auto c = classify(respond(status));
    ASSERT_EQ(c.kind, response_kind::failed) << status;
    EXPECT_EQ(c.error->kind, sync_error_kind::unrecoverable) << status;
    EXPECT_EQ(c.error->signature, "http-" + std::to_string(status));
  }
}

TEST(response_classification, transport_failures) {
  using kind = http::transport_error_kind;
  const std::vector<std::pair<kind, std::string>> transient{
      {kind::resolve, "resolve"},  {kind::connect, "connect"}, {kind::tls, "tls"},
      {kind::timeout, "timeout"},  {kind::closed, "closed"},   {kind::protocol, "protocol"},
      {kind::shutdown, "shutdown"}};
  for (const auto& [k, signature] : transient) {
    const auto c = classify(transport_failure(k, "crm.test:443"));
    ASSERT_EQ(c.kind, response_kind::failed) << signature;
    EXPECT_EQ(c.error->kind, sync_error_kind::recoverable) << signature;
    EXPECT_EQ(c.error->signature, signature);
    EXPECT_EQ(c.error->messages.at(0),
              "POST http://crm.test/api/contact failed: " + signature + " (crm.test:443)");
  }
  const auto bad_url = classify(transport_failure(kind::bad_url));
  EXPECT_EQ(bad_url.error->kind, sync_error_kind::config);
  EXPECT_EQ(bad_url.error->signature, "bad-url");
  const auto too_large = classify(transport_failure(kind::body_too_large));
  EXPECT_EQ(too_large.error->kind, sync_error_kind::unrecoverable);
  EXPECT_EQ(too_large.error->signature, "body-too-large");
}

TEST(response_classification, messages_name_the_call_without_its_query) {
  const auto c = classify(respond(500, "{\"error\":\n\"database down\"}\n"), lookup);
  ASSERT_EQ(c.kind, response_kind::failed);
  ASSERT_EQ(c.error->messages.size(), 2u);
  EXPECT_EQ(c.error->messages[0], "GET http://crm.test/api/contact failed: HTTP 500");
  EXPECT_EQ(c.error->messages[1], "Response: {\"error\": \"database down\"}");
  EXPECT_EQ(c.error->full_message.find("anna"), std::string::npos);
  EXPECT_NE(c.error->full_message.find("database down"), std::string::npos);
  EXPECT_EQ(url_without_query("http://a/b?c=d#e"), "http://a/b");
  EXPECT_EQ(url_without_query("http://a/b#e"), "http://a/b");
}

TEST(response_classification, a_secret_url_is_shown_by_its_origin_only) {
  EXPECT_EQ(url_origin("https://u@hooks.test:8443/services/T0/XXXX?a=b"),
            "https://hooks.test:8443");
  EXPECT_EQ(url_origin("http://hooks.test"), "http://hooks.test");
  const http_call call{"POST", "https://hooks.test/hooks/catch/123/abc/", false, false, true};
  EXPECT_EQ(describe(call), "POST https://hooks.test/\u2026");
  EXPECT_EQ(describe_for_log(call), "POST https://hooks.test/\u2026");
}

TEST(response_classification, the_log_text_holds_neither_the_answer_nor_an_email_in_the_path) {
  const http_call get{
      "GET", "http://crm.test/crm/v3/objects/contacts/anna%40example.org?idProperty=email", false};
  const auto c = classify(respond(422, "Email address anna@example.org is invalid"), get);
  ASSERT_EQ(c.kind, response_kind::failed);
  EXPECT_EQ(c.error->log_text,
            "GET http://crm.test/crm/v3/objects/contacts/{e-mail} failed: HTTP 422");
  EXPECT_EQ(c.error->log_summary(), c.error->log_text);
  EXPECT_EQ(describe_for_log({"PUT", "http://crm.test/a@b/x/y%40z", false}),
            "PUT http://crm.test/{e-mail}/x/{e-mail}");
  EXPECT_EQ(describe_for_log({"POST", "/relative/path", false}), "POST /relative/path");
  // Errors without a log text point at the stored error.
  sync_error quoted;
  quoted.messages = {"malformed email 'anna@example'"};
  EXPECT_EQ(quoted.log_summary(), "details in the job's stored error");
  EXPECT_EQ(make_sync_error(sync_error_kind::recoverable, "Provider busy").log_summary(),
            "Provider busy");
}

TEST(response_classification, body_excerpt_is_cut_at_300_characters) {
  const std::string long_body(1000, 'x');
  const auto c = classify(respond(502, long_body));
  const std::string& response_message = c.error->messages.at(1);
  const std::string excerpt = response_message.substr(std::string("Response: ").size());
  EXPECT_EQ(excerpt.size(), 300u);
  EXPECT_EQ(excerpt, std::string(297, 'x') + "...");
  // The full message keeps more of the body, still bounded.
  EXPECT_GT(c.error->full_message.size(), 900u);
  EXPECT_LT(c.error->full_message.size(), 4200u);
  // No cut inside a UTF-8 sequence: 299 "ä" (2 bytes each) are cut to whole characters.
  std::string umlauts;
  for (int i = 0; i < 299; ++i) umlauts += "\xc3\xa4";
  const std::string cut = body_excerpt(umlauts, 300);
  EXPECT_LE(cut.size(), 300u);
  EXPECT_EQ(cut.size() % 2, 1u);  // whole two-byte characters plus "..."
  EXPECT_EQ(cut.substr(cut.size() - 3), "...");
  EXPECT_EQ(body_excerpt("  short\r\n"), "short");
  EXPECT_EQ(body_excerpt(""), "");
}

TEST(response_classification, bad_response_error_names_the_problem) {
  const auto response = *respond(201, "<html>").response;
  const sync_error e = bad_response_error(create, response, "the body is not JSON");
  EXPECT_EQ(e.kind, sync_error_kind::unrecoverable);
  EXPECT_EQ(e.signature, "bad-response");
  EXPECT_EQ(e.messages.at(0),
            "POST http://crm.test/api/contact failed: HTTP 201, but the body is not JSON");
  EXPECT_EQ(e.messages.at(1), "Response: <html>");
}

}  // namespace
}  // namespace tixsync::providers::rest
