// How the REST provider fails: each error class through a whole object sync (recoverable with
// Retry-After, rate limited, permanent, transport failures, unusable responses), messages without
// query strings, and secrets that never reach results, errors or log lines, even when the
// external system echoes them back.
#include <gtest/gtest.h>

#include "providers/rest/credentials.hpp"
#include "providers/rest/rest_provider.hpp"
#include "tests/providers/rest/rest_test_support.hpp"

namespace tixsync::providers::rest {
namespace {

using testing::contact_settings;
using testing::crm_token;
using testing::respond;
using testing::rest_fixture;
using testing::transport_failure;

const std::string email = "anna@example.org";

sync_error failed_sync(rest_fixture& f) {
  const auto done = f.sync(f.request(email, {{"name", "Anna", "overwrite"}}));
  EXPECT_FALSE(done.result.ok());
  return done.result.error.value_or(sync_error{});
}

TEST(rest_errors, server_error_with_retry_after_seconds_is_recoverable) {
  rest_fixture f;
  f.crm->fail_next(respond(503, "maintenance", {{"Retry-After", "30"}}));
  const auto before = sync_clock::now();
  const sync_error e = failed_sync(f);
  EXPECT_EQ(e.kind, sync_error_kind::recoverable);
  EXPECT_EQ(e.signature, "http-503");
  ASSERT_TRUE(e.retry_at);
  EXPECT_GE(*e.retry_at, before + std::chrono::seconds(29));
  EXPECT_EQ(e.messages.at(0), "GET http://crm.test/api/contact failed: HTTP 503");
  EXPECT_EQ(e.messages.at(1), "Response: maintenance");
  // The query (with the e-mail) is in no message.
  EXPECT_EQ(to_json(e).dump().find("anna"), std::string::npos);
}

TEST(rest_errors, rate_limit_on_create_with_an_http_date) {
  rest_fixture f;
  f.crm->fail_next(respond(200, R"({"results":[]})"));
  f.crm->fail_next(respond(429, "", {{"Retry-After", "Fri, 01 Jan 2100 00:00:00 GMT"}}));
  const sync_error e = failed_sync(f);
  EXPECT_EQ(e.kind, sync_error_kind::rate_limited);
  EXPECT_EQ(e.signature, "http-429");
  ASSERT_TRUE(e.retry_at);
  EXPECT_EQ(to_unix_ms(*e.retry_at), 4102444800000);
  EXPECT_EQ(e.messages.at(0), "POST http://crm.test/api/contact failed: HTTP 429");
}

TEST(rest_errors, client_errors_are_permanent_with_a_body_excerpt) {
  rest_fixture f;
  f.crm->put("contact", {{"id", "7"}, {"email", email}});
  f.crm->fail_next(respond(200, R"({"results":[{"id":"7","email":"anna@example.org"}]})"));
  f.crm->fail_next(respond(422, R"({"error":"name: too short)" + std::string(500, '!') + "\"}"));
  const sync_error e = failed_sync(f);
  EXPECT_EQ(e.kind, sync_error_kind::unrecoverable);
  EXPECT_EQ(e.signature, "http-422");
  EXPECT_EQ(e.messages.at(0), "PATCH http://crm.test/api/contact/7 failed: HTTP 422");
  EXPECT_EQ(e.messages.at(1).size(), std::string("Response: ").size() + 300);
  EXPECT_EQ(e.messages.at(1).rfind("Response: {\"error\":\"name: too short!!!", 0), 0u);
}

TEST(rest_errors, transport_failures_are_recoverable) {
  using kind = http::transport_error_kind;
  for (const auto& [k, signature] : std::vector<std::pair<kind, std::string>>{
           {kind::timeout, "timeout"}, {kind::connect, "connect"}, {kind::tls, "tls"}}) {
    rest_fixture f;
    f.crm->fail_next(transport_failure(k, "crm.test:80"));
    const sync_error e = failed_sync(f);
    EXPECT_EQ(e.kind, sync_error_kind::recoverable) << signature;
    EXPECT_EQ(e.signature, signature);
  }
  rest_fixture f;
  f.crm->fail_next(transport_failure(kind::body_too_large, "more than 1048576 bytes"));
  EXPECT_EQ(failed_sync(f).kind, sync_error_kind::unrecoverable);
}

TEST(rest_errors, unusable_responses_are_permanent) {
  rest_fixture f;
  f.crm->fail_next(respond(200, "<html>oops</html>"));
  sync_error e = failed_sync(f);
  EXPECT_EQ(e.kind, sync_error_kind::unrecoverable);
  EXPECT_EQ(e.signature, "bad-response");
  EXPECT_EQ(e.messages.at(0),
            "GET http://crm.test/api/contact failed: HTTP 200, but the body is not JSON");

  f.crm->fail_next(respond(200, R"({"items":[]})"));
  e = failed_sync(f);
  EXPECT_EQ(e.messages.at(0),
            "GET http://crm.test/api/contact failed: HTTP 200, but no "
            "\"results\" in the response");

  f.crm->fail_next(respond(200, R"({"results":[{"email":"x"}]})"));
  e = failed_sync(f);
  EXPECT_EQ(e.messages.at(0),
            "GET http://crm.test/api/contact failed: HTTP 200, but the object has no external id "
            "(string or integer) at \"id\"");

  f.crm->fail_next(respond(200, R"({"results":[]})"));
  f.crm->fail_next(respond(201, R"({"created":true})"));
  e = failed_sync(f);
  EXPECT_EQ(e.messages.at(0),
            "POST http://crm.test/api/contact failed: HTTP 201, but no external "
            "id (string or integer) at \"id\" in the response");
}

TEST(rest_errors, a_404_lookup_is_an_error_when_not_found_means_empty) {
  rest_fixture f;
  f.crm->fail_next(respond(404, R"({"error":"no route"})"));
  const sync_error e = failed_sync(f);
  EXPECT_EQ(e.kind, sync_error_kind::unrecoverable);
  EXPECT_EQ(e.signature, "http-404");
  EXPECT_EQ(f.transport->requests().size(), 1u);  // nothing created
}

TEST(rest_errors, failures_are_logged_without_the_query_or_the_answer) {
  rest_fixture f;
  // The answer quotes the order's data, as CRMs' validation errors do.
  f.crm->fail_next(respond(500, "boom: ada@example.org"));
  const sync_error e = failed_sync(f);
  const auto lines = f.log.lines();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(
      lines[0].rfind("debug rest provider \"crm\": GET http://crm.test/api/contact -> 500 (", 0),
      0u);
  EXPECT_EQ(lines[1],
            "warning rest provider \"crm\": order ABC12 mapping 1 (Contact) failed [recoverable "
            "http-500]: GET http://crm.test/api/contact failed: HTTP 500");
  // The job's stored error keeps the answer for the operator.
  ASSERT_EQ(e.messages.size(), 2u);
  EXPECT_EQ(e.messages[1], "Response: boom: ada@example.org");
}

/// Answers every request with an echo of its headers and body (as some APIs do in errors).
http::http_result echo(const http::http_request& request, int status) {
  json headers = json::object();
  for (const auto& [name, value] : request.headers) headers[name] = value;
  return respond(status, json{{"you_sent", headers}, {"url", request.url}}.dump());
}

TEST(rest_errors, secrets_appear_in_no_output) {
  const std::vector<json> auths{
      {{"type", "bearer"}, {"token_env", "CRM_TOKEN"}},
      {{"type", "api_key"}, {"header", "X-API-Key"}, {"token_env", "CRM_TOKEN"}},
      {{"type", "basic"}, {"username", "sync"}, {"password_env", "CRM_TOKEN"}}};
  const std::string encoded = base64_encode("sync:" + crm_token);
  for (const auto& auth : auths) {
    json settings = contact_settings();
    settings["auth"] = auth;
    rest_fixture f(settings);
    std::string output;
    auto collect = [&](const testing::completed& done) {
      output += testing::all_text(done.result);
    };
    // Lookups answered with errors that echo the credentials.
    for (int status : {401, 403, 429, 500, 503}) {
      f.crm->answer_next([status](const http::http_request& r) { return echo(r, status); });
      collect(f.sync(f.request(email, {{"name", "Anna", "overwrite"}})));
    }
    // A create answered with an echo, then a successful create and an update.
    f.crm->answer_next(
        [](const http::http_request& r) { return respond(200, R"({"results":[]})"); });
    f.crm->answer_next([](const http::http_request& r) { return echo(r, 400); });
    collect(f.sync(f.request(email, {{"name", "Anna", "overwrite"}})));
    collect(f.sync(f.request(email, {{"name", "Anna", "overwrite"}})));
    collect(f.sync(f.request(email, {{"name", "Bea", "overwrite"}})));
    for (const auto& line : f.log.lines()) output += line + "\n";

    // The credentials were sent (so the echoes carried them) ...
    const auto requests = f.transport->requests();
    ASSERT_EQ(requests.size(), 11u);
    bool sent = false;
    for (const auto& [name, value] : requests.front().headers) {
      sent = sent || value.find(crm_token) != std::string::npos ||
             value.find(encoded) != std::string::npos;
    }
    EXPECT_TRUE(sent);
    EXPECT_NE(output.find("you_sent"), std::string::npos);
    EXPECT_NE(output.find("***"), std::string::npos);
    // ... and appear nowhere in results, errors or logs.
    EXPECT_EQ(output.find(crm_token), std::string::npos) << output;
    EXPECT_EQ(output.find(encoded), std::string::npos) << output;
  }
}

}  // namespace
}  // namespace tixsync::providers::rest
