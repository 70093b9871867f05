// Tests of [retention] (defaults, durations, 0 keeps, out-of-range values with their location)
// and of the read-side keys of [http] (read_token_env, open_metrics).
#include <gtest/gtest.h>

#include "config/config_loader.hpp"

namespace tixsync::config {
namespace {

env_lookup token_env() {
  return [](const std::string& name) -> std::optional<std::string> {
    if (name == "API_TOKEN") return std::string("s3cret");
    if (name == "READ_TOKEN") return std::string("r3ad");
    return std::nullopt;
  };
}

std::vector<std::string> problems_of(const std::string& text) {
  std::vector<std::string> out;
  for (const auto& p : parse_config(text, "cfg.toml", token_env()).problems) {
    out.push_back(p.to_string());
  }
  return out;
}

constexpr std::int64_t day_ms = 24LL * 3600 * 1000;

TEST(ConfigRetention, DefaultsWithoutTheTable) {
  auto result = parse_config("", "cfg.toml", token_env());
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result.config.retention.snapshots.count(), 30 * day_ms);
  EXPECT_EQ(result.config.retention.results.count(), 90 * day_ms);
  EXPECT_EQ(result.config.retention.audit.count(), 90 * day_ms);
  EXPECT_FALSE(result.config.http.open_metrics);
}

TEST(ConfigRetention, ReadsDurationsAndZeroKeeps) {
  auto result = parse_config("[retention]\nsnapshots = \"7d\"\nresults = 0\naudit = \"0s\"\n",
                             "cfg.toml", token_env());
  ASSERT_TRUE(result.ok()) << format_problems(result.problems);
  EXPECT_EQ(result.config.retention.snapshots.count(), 7 * day_ms);
  EXPECT_EQ(result.config.retention.results.count(), 0);
  EXPECT_EQ(result.config.retention.audit.count(), 0);
}

TEST(ConfigRetention, OutOfRangeValuesWithTheirLocation) {
  EXPECT_EQ(problems_of("[retention]\nsnapshots = \"10m\"\nresults = \"4000d\"\naudit = 5\n"
                        "keep = \"1d\"\n"),
            (std::vector<std::string>{
                "cfg.toml:2:13: retention.snapshots: out of range: use 0 (kept) or at least 1h",
                "cfg.toml:3:11: retention.results: out of range: \"4000d\" is not within "
                "0ms..315360000000ms",
                "cfg.toml:4:9: retention.audit: use a duration such as \"90d\", or 0 to keep "
                "the data",
                "cfg.toml:5:1: retention.keep: unknown key"}));
}

TEST(ConfigRetention, ReadTokenAndOpenMetrics) {
  auto result = parse_config(
      "[http]\napi_token_env = \"API_TOKEN\"\nread_token_env = \"READ_TOKEN\"\nopen_metrics = "
      "true\n",
      "cfg.toml", token_env());
  ASSERT_TRUE(result.ok()) << format_problems(result.problems);
  EXPECT_EQ(result.config.http.read_token.reveal(), "r3ad");
  EXPECT_TRUE(result.config.http.open_metrics);
  EXPECT_EQ(problems_of("[http]\napi_token_env = \"API_TOKEN\"\nread_token_env = \"API_TOKEN\"\n"),
            (std::vector<std::string>{"cfg.toml:3:18: http.read_token_env: names the same variable "
                                      "as another token: give reads a token of their own"}));
}

}  // namespace
}  // namespace tixsync::config
