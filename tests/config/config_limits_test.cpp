// Tests of [providers.limits] and [providers.circuit_breaker]: defaults, good values, wrong
// types, out-of-range values, unknown keys with suggestions, max_cooldown below cooldown, each
// problem with its FILE:LINE:COLUMN and key path.
#include <gtest/gtest.h>

#include "config/config_loader.hpp"

namespace tixsync::config {
namespace {

using std::chrono::milliseconds;

const std::string head =
    "[[providers]]\nid = \"crm\"\ntype = \"example\"\nmappings = []\n";  // lines 1-4

std::vector<std::string> problems_of(const std::string& text) {
  std::vector<std::string> out;
  for (const auto& p : parse_config(text, "cfg.toml", [](const std::string&) {
                         return std::optional<std::string>();
                       }).problems) {
    out.push_back(p.to_string());
  }
  return out;
}

TEST(ConfigLimits, Defaults) {
  auto result = parse_config(head, "cfg.toml",
                             [](const std::string&) { return std::optional<std::string>(); });
  ASSERT_TRUE(result.ok()) << format_problems(result.problems);
  const auto& p = result.config.providers.at(0);
  EXPECT_EQ(p.limits.concurrency, 16);
  EXPECT_DOUBLE_EQ(p.limits.rate, 0.0);
  EXPECT_EQ(p.limits.burst, 1);
  EXPECT_FALSE(p.limits.shared);
  EXPECT_EQ(p.limits.max_wait, milliseconds(2000));
  EXPECT_EQ(p.limits.max_waiting, 10000);
  EXPECT_EQ(p.limits.expected_nodes, 1);
  EXPECT_TRUE(p.circuit_breaker.enabled);
  EXPECT_EQ(p.circuit_breaker.failure_threshold, 10);
  EXPECT_EQ(p.circuit_breaker.cooldown, milliseconds(30000));
  EXPECT_EQ(p.circuit_breaker.max_cooldown, milliseconds(300000));
}

TEST(ConfigLimits, GoodValues) {
  const std::string text = head +
                           "[providers.limits]\nconcurrency = 8\nrate = 20\nburst = 40\n"
                           "shared = true\nmax_wait = \"1500ms\"\nmax_waiting = 500\n"
                           "expected_nodes = 3\n"
                           "[providers.circuit_breaker]\nenabled = false\nfailure_threshold = 5\n"
                           "cooldown = \"10s\"\nmax_cooldown = \"2m\"\n";
  auto result = parse_config(text, "cfg.toml",
                             [](const std::string&) { return std::optional<std::string>(); });
  ASSERT_TRUE(result.ok()) << format_problems(result.problems);
  const auto& p = result.config.providers.at(0);
  EXPECT_EQ(p.limits.concurrency, 8);
  EXPECT_DOUBLE_EQ(p.limits.rate, 20.0);
  EXPECT_EQ(p.limits.burst, 40);
  EXPECT_TRUE(p.limits.shared);
  EXPECT_EQ(p.limits.max_wait, milliseconds(1500));
  EXPECT_EQ(p.limits.max_waiting, 500);
  EXPECT_EQ(p.limits.expected_nodes, 3);
  EXPECT_FALSE(p.circuit_breaker.enabled);
  EXPECT_EQ(p.circuit_breaker.failure_threshold, 5);
  EXPECT_EQ(p.circuit_breaker.cooldown, milliseconds(10000));
  EXPECT_EQ(p.circuit_breaker.max_cooldown, milliseconds(120000));
}

TEST(ConfigLimits, ZeroMaxWaitMeansNeverWait) {
  auto problems = problems_of(head + "[providers.limits]\nmax_wait = \"0s\"\n");
  EXPECT_TRUE(problems.empty()) << ::testing::PrintToString(problems);
}

TEST(ConfigLimits, WrongTypesAndRangesWithLocations) {
  const std::string text = head +
                           "[providers.limits]\n"           // 5
                           "max_wait = 3\n"                 // 6
                           "max_waiting = \"many\"\n"       // 7
                           "expected_nodes = 0\n"           // 8
                           "[providers.circuit_breaker]\n"  // 9
                           "enabled = \"yes\"\n"            // 10
                           "failure_threshold = 1.5\n"      // 11
                           "cooldown = \"30\"\n"            // 12
                           "max_cooldown = \"2d\"\n";       // 13
  const std::vector<std::string> expected{
      "cfg.toml:6:12: providers[0].limits.max_wait: expected a duration string like \"30s\"",
      "cfg.toml:7:15: providers[0].limits.max_waiting: expected an integer",
      "cfg.toml:8:18: providers[0].limits.expected_nodes: out of range: 0 is not within 1..10000",
      "cfg.toml:10:11: providers[0].circuit_breaker.enabled: expected true or false",
      "cfg.toml:11:21: providers[0].circuit_breaker.failure_threshold: expected an integer",
      "cfg.toml:12:12: providers[0].circuit_breaker.cooldown: bad duration \"30\": use e.g. "
      "\"500ms\", \"30s\", \"5m\", \"1h\"",
      "cfg.toml:13:16: providers[0].circuit_breaker.max_cooldown: out of range: \"2d\" is not "
      "within 1ms..86400000ms",
  };
  EXPECT_EQ(problems_of(text), expected);
}

TEST(ConfigLimits, MaxWaitOutOfRange) {
  auto problems = problems_of(head + "[providers.limits]\nmax_wait = \"11m\"\n");
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0],
            "cfg.toml:6:12: providers[0].limits.max_wait: out of range: \"11m\" is not within "
            "0ms..600000ms");
}

TEST(ConfigLimits, UnknownKeysAndAShortMaxCooldown) {
  const std::string text = head +
                           "[providers.limits]\n"           // 5
                           "max_wiat = \"1s\"\n"            // 6
                           "[providers.circuit_breaker]\n"  // 7
                           "treshold = 3\n"                 // 8
                           "cooldown = \"1m\"\n"            // 9
                           "max_cooldown = \"30s\"\n"       // 10
                           "[providers.circuit]\n";         // 11
  const std::vector<std::string> expected{
      "cfg.toml:6:1: providers[0].limits.max_wiat: unknown key (did you mean 'max_wait'?)",
      "cfg.toml:8:1: providers[0].circuit_breaker.treshold: unknown key",
      "cfg.toml:10:16: providers[0].circuit_breaker.max_cooldown: must not be shorter than "
      "cooldown",
      "cfg.toml:11:12: providers[0].circuit: unknown key",
  };
  EXPECT_EQ(problems_of(text), expected);
}

TEST(ConfigLimits, CircuitBreakerMustBeATable) {
  auto problems = problems_of(head + "circuit_breaker = true\n");
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0], "cfg.toml:5:19: providers[0].circuit_breaker: expected a table");
}

}  // namespace
}  // namespace tixsync::config

namespace tixsync::config {
namespace {

TEST(ConfigLimits, FollowsRateLimitHeadersWithConfiguredNames) {
  const std::string text = head +
                           "[providers.limits]\nrate = 30\nshared = true\n"
                           "follow_rate_limit_headers = true\n"
                           "[providers.limits.rate_limit_headers]\n"
                           "remaining = \"X-HubSpot-RateLimit-Remaining\"\n"
                           "limit = \"X-HubSpot-RateLimit-Max\"\n"
                           "window = \"X-HubSpot-RateLimit-Interval-Milliseconds\"\n"
                           "window_unit = \"ms\"\n";
  auto result = parse_config(text, "cfg.toml",
                             [](const std::string&) { return std::optional<std::string>(); });
  ASSERT_TRUE(result.ok()) << format_problems(result.problems);
  const auto& limits = result.config.providers.at(0).limits;
  EXPECT_TRUE(limits.follow_rate_limit_headers);
  EXPECT_EQ(limits.remaining_header, "X-HubSpot-RateLimit-Remaining");
  EXPECT_EQ(limits.window_header, "X-HubSpot-RateLimit-Interval-Milliseconds");
  EXPECT_TRUE(limits.window_in_ms);
  EXPECT_TRUE(limits.reset_header.empty());
}

TEST(ConfigLimits, FollowingRateLimitHeadersNeedsASharedRate) {
  const auto problems = problems_of(head +
                                    "[providers.limits]\nrate = 30\n"  // line 6-7
                                    "follow_rate_limit_headers = true\n");
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].rfind("cfg.toml:7:", 0), 0u) << problems[0];
  EXPECT_NE(problems[0].find("providers[0].limits.follow_rate_limit_headers: needs rate > 0 and "
                             "shared = true"),
            std::string::npos)
      << problems[0];
}

TEST(ConfigLimits, HeaderNamesWithoutFollowingAreReported) {
  const auto problems = problems_of(head +
                                    "[providers.limits.rate_limit_headers]\n"
                                    "remaining = \"X-Left\"\nwindow_unit = \"minutes\"\n");
  std::string all;
  for (const auto& p : problems) all += p + "\n";
  EXPECT_NE(all.find("providers[0].limits.rate_limit_headers: is only read with "
                     "follow_rate_limit_headers = true"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("providers[0].limits.rate_limit_headers.window_unit:"), std::string::npos)
      << all;
}

}  // namespace
}  // namespace tixsync::config
