// Reading announced quotas: the older IETF RateLimit-Limit/-Remaining/-Reset fields, the newer
// RateLimit/RateLimit-Policy structured fields (several policies: the fewest left wins),
// configured names such as HubSpot's, malformed values, and the board that keeps the lowest.
#include "providers/http/rate_limit_headers.hpp"

#include <gtest/gtest.h>

namespace tixsync::providers::http {
namespace {

http_response with(header_list headers) {
  http_response response;
  response.status = 200;
  response.headers = std::move(headers);
  return response;
}

TEST(RateLimitHeaders, ReadsTheOlderSeparateFields) {
  auto quota = parse_announced_quota(with({{"RateLimit-Limit", "100, 100;w=60"},
                                           {"ratelimit-remaining", "42"},
                                           {"RateLimit-Reset", "7"}}));
  ASSERT_TRUE(quota);
  EXPECT_EQ(*quota->remaining, 42);
  EXPECT_EQ(*quota->limit, 100);
  EXPECT_EQ(*quota->window_s, 60);
  EXPECT_EQ(*quota->reset_s, 7);
  EXPECT_NEAR(*quota->rate(), 100.0 / 60, 1e-9);
}

TEST(RateLimitHeaders, ReadsTheNewerStructuredFieldsWithTheirPolicy) {
  auto quota = parse_announced_quota(
      with({{"RateLimit-Policy", "\"burst\";q=100;w=10, \"daily\";q=1000;w=86400"},
            {"RateLimit", "\"burst\";r=50;t=4, \"daily\";r=20;t=3600"}}));
  ASSERT_TRUE(quota);
  // The policy with the fewest requests left decides.
  EXPECT_EQ(*quota->remaining, 20);
  EXPECT_EQ(*quota->reset_s, 3600);
  EXPECT_EQ(*quota->limit, 1000);
  EXPECT_EQ(*quota->window_s, 86400);
}

TEST(RateLimitHeaders, ReadsConfiguredNamesWithAWindowInMilliseconds) {
  quota_header_names hubspot{"X-HubSpot-RateLimit-Remaining", "X-HubSpot-RateLimit-Max",
                             "X-HubSpot-RateLimit-Interval-Milliseconds", true, ""};
  auto quota = parse_announced_quota(with({{"X-HubSpot-RateLimit-Max", "190"},
                                           {"X-HubSpot-RateLimit-Remaining", "189"},
                                           {"X-HubSpot-RateLimit-Interval-Milliseconds", "10000"}}),
                                     hubspot);
  ASSERT_TRUE(quota);
  EXPECT_EQ(*quota->remaining, 189);
  EXPECT_EQ(*quota->window_s, 10);
  EXPECT_FALSE(quota->reset_s);
  EXPECT_NEAR(*quota->rate(), 19, 1e-9);
}

TEST(RateLimitHeaders, MalformedOrMissingRemainingAnnouncesNothing) {
  EXPECT_FALSE(parse_announced_quota(with({})));
  EXPECT_FALSE(parse_announced_quota(with({{"RateLimit-Remaining", "lots"}})));
  EXPECT_FALSE(parse_announced_quota(with({{"RateLimit-Remaining", "-3"}})));
  EXPECT_FALSE(parse_announced_quota(with({{"RateLimit", "\"p\";t=5"}})));
  EXPECT_FALSE(parse_announced_quota(with({{"RateLimit-Limit", "100"}})));
  // A malformed reset is left out; the count still counts.
  auto quota =
      parse_announced_quota(with({{"RateLimit-Remaining", "3"}, {"RateLimit-Reset", "soon"}}));
  ASSERT_TRUE(quota);
  EXPECT_EQ(*quota->remaining, 3);
  EXPECT_FALSE(quota->reset_s);
}

TEST(RateLimitHeaders, TheBoardKeepsTheFewestRemainingUntilTaken) {
  quota_board board;
  board.observe(with({{"RateLimit-Remaining", "9"}}));
  board.observe(with({{"RateLimit-Remaining", "4"}}));
  board.observe(with({{"RateLimit-Remaining", "7"}}));
  board.observe(with({{"Content-Type", "application/json"}}));
  EXPECT_EQ(board.announcements(), 3u);
  auto taken = board.take();
  ASSERT_TRUE(taken);
  EXPECT_EQ(*taken->remaining, 4);
  EXPECT_FALSE(board.take());
}

}  // namespace
}  // namespace tixsync::providers::http
