// Tests of api/router and api/url_encoding without a server: pattern parsing, most-specific
// matching, HEAD falling back to GET, the Allow list of a 405, parameter and query decoding.
#include "api/router.hpp"

#include <gtest/gtest.h>

#include "api/url_encoding.hpp"

namespace tixsync::api {
namespace {

sync_handler answer(std::string text) {
  return [text](const http_request&) { return http_response::text(200, text); };
}

using outcome = router::match_result::outcome;

TEST(Router, MatchesLiteralAndParameterSegments) {
  router r;
  r.add_sync("GET", "/api/{type}/{id}", answer("object"));
  r.add_sync("GET", "/health", answer("health"));
  auto m = r.match("GET", "/api/contact/17");
  ASSERT_EQ(m.result, outcome::found);
  EXPECT_EQ(m.matched->pattern, "/api/{type}/{id}");
  ASSERT_EQ(m.params.size(), 2u);
  EXPECT_EQ(m.params[0], (std::pair<std::string, std::string>{"type", "contact"}));
  EXPECT_EQ(m.params[1], (std::pair<std::string, std::string>{"id", "17"}));
  EXPECT_EQ(r.match("GET", "/health").matched->pattern, "/health");
}

TEST(Router, SegmentCountsMustAgreeAndParametersMustNotBeEmpty) {
  router r;
  r.add_sync("GET", "/api/{type}/{id}", answer("object"));
  EXPECT_EQ(r.match("GET", "/api/contact").result, outcome::not_found);
  EXPECT_EQ(r.match("GET", "/api/contact/1/more").result, outcome::not_found);
  EXPECT_EQ(r.match("GET", "/api/contact/").result, outcome::not_found);
  EXPECT_EQ(r.match("GET", "/api//1").result, outcome::not_found);
  EXPECT_EQ(r.match("GET", "/").result, outcome::not_found);
}

TEST(Router, RootPatternMatchesOnlyRoot) {
  router r;
  r.add_sync("GET", "/", answer("root"));
  EXPECT_EQ(r.match("GET", "/").result, outcome::found);
  EXPECT_EQ(r.match("GET", "/x").result, outcome::not_found);
}

TEST(Router, MostSpecificRouteWinsRegardlessOfOrder) {
  router r;
  r.add_sync("GET", "/jobs/{id}", answer("by id"));
  r.add_sync("GET", "/jobs/{rest...}", answer("rest"));
  r.add_sync("GET", "/jobs/stats", answer("stats"));
  EXPECT_EQ(r.match("GET", "/jobs/stats").matched->pattern, "/jobs/stats");
  EXPECT_EQ(r.match("GET", "/jobs/42").matched->pattern, "/jobs/{id}");
  EXPECT_EQ(r.match("GET", "/jobs/42/log").matched->pattern, "/jobs/{rest...}");
}

TEST(Router, RestParameterKeepsSlashesAndMayBeEmpty) {
  router r;
  r.add_sync("GET", "/static/{file...}", answer("file"));
  auto m = r.match("GET", "/static/css/site%20main.css");
  ASSERT_EQ(m.result, outcome::found);
  EXPECT_EQ(m.params[0].second, "css/site main.css");
  auto empty = r.match("GET", "/static");
  ASSERT_EQ(empty.result, outcome::found);
  EXPECT_EQ(empty.params[0].second, "");
  EXPECT_EQ(r.match("GET", "/other/x").result, outcome::not_found);
}

TEST(Router, ParametersArePercentDecodedButPlusStays) {
  router r;
  r.add_sync("GET", "/api/{type}/{id}", answer("object"));
  auto m = r.match("GET", "/api/contact%20list/a+b%2Fc");
  ASSERT_EQ(m.result, outcome::found);
  EXPECT_EQ(m.params[0].second, "contact list");
  EXPECT_EQ(m.params[1].second, "a+b/c");
  auto bad = r.match("GET", "/api/contact/%zz");
  ASSERT_EQ(bad.result, outcome::found);
  EXPECT_NE(bad.problem.find("'id'"), std::string::npos) << bad.problem;
}

TEST(Router, WrongMethodGivesAllowListWithHeadForGet) {
  router r;
  r.add_sync("GET", "/api/{type}/{id}", answer("get"));
  r.add_sync("delete", "/api/{type}/{id}", answer("delete"));
  r.add_sync("POST", "/api/{type}", answer("post"));
  auto m = r.match("PUT", "/api/contact/1");
  EXPECT_EQ(m.result, outcome::method_not_allowed);
  EXPECT_EQ(m.allow, "DELETE, GET, HEAD");
  EXPECT_EQ(r.match("PUT", "/api/contact").allow, "POST");
}

TEST(Router, HeadFallsBackToGetUnlessItHasItsOwnRoute) {
  router r;
  r.add_sync("GET", "/a", answer("get a"));
  r.add_sync("GET", "/b", answer("get b"));
  r.add_sync("HEAD", "/b", answer("head b"));
  EXPECT_EQ(r.match("HEAD", "/a").matched->method, "GET");
  EXPECT_EQ(r.match("HEAD", "/b").matched->method, "HEAD");
}

TEST(Router, RejectsBadPatternsWithTheReason) {
  router r;
  auto message_of = [&](const std::string& pattern) {
    try {
      r.add_sync("GET", pattern, answer("x"));
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message_of("api").find("must start with '/'"), std::string::npos);
  EXPECT_NE(message_of("/api/{}").find("bad parameter name"), std::string::npos);
  EXPECT_NE(message_of("/api/{id").find("unterminated"), std::string::npos);
  EXPECT_NE(message_of("/api/x{id}").find("whole segment"), std::string::npos);
  EXPECT_NE(message_of("/api/{id}/{id}").find("appears twice"), std::string::npos);
  EXPECT_NE(message_of("/api/{rest...}/x").find("must be last"), std::string::npos);
  r.add_sync("GET", "/once", answer("x"));
  EXPECT_NE(message_of("/once").find("registered twice"), std::string::npos);
  EXPECT_THROW(r.add("GET", "/nothing", async_handler{}), std::invalid_argument);
}

TEST(UrlEncoding, DecodesQueriesWithPlusAsSpaceAndRepeatedNames) {
  std::string problem;
  auto q = decode_query("email=a%40b.c&name=Ada+Lovelace&flag&&tag=1&tag=2", problem);
  ASSERT_TRUE(q) << problem;
  ASSERT_EQ(q->size(), 5u);
  EXPECT_EQ((*q)[0], (std::pair<std::string, std::string>{"email", "a@b.c"}));
  EXPECT_EQ((*q)[1].second, "Ada Lovelace");
  EXPECT_EQ((*q)[2], (std::pair<std::string, std::string>{"flag", ""}));
  EXPECT_EQ((*q)[3].second, "1");
  EXPECT_EQ((*q)[4].second, "2");
}

TEST(UrlEncoding, ReportsMalformedEscapes) {
  std::string problem;
  EXPECT_FALSE(decode_query("a=%4", problem));
  EXPECT_NE(problem.find("a=%4"), std::string::npos);
  EXPECT_FALSE(percent_decode("%g1", false));
  EXPECT_FALSE(percent_decode("abc%", false));
  EXPECT_EQ(*percent_decode("%C3%A9t%c3%a9", false), "\xC3\xA9t\xC3\xA9");
}

TEST(UrlEncoding, EncodeThenDecodeIsTheIdentity) {
  const std::string text = "a b/c?d=e&f+g~h.i_j-k\xC3\xA9";
  const auto encoded = percent_encode(text);
  EXPECT_EQ(encoded.find_first_of(" /?=&+"), std::string::npos);
  EXPECT_EQ(*percent_decode(encoded, true), text);
}

}  // namespace
}  // namespace tixsync::api
