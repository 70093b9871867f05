// Tests of [alerts]: defaults, durations, and URLs that are not http(s) reported with their
// location and without the URL itself (a chat webhook's path is its secret).
#include <gtest/gtest.h>

#include "config/config_loader.hpp"

namespace tixsync::config {
namespace {

load_result parse(const std::string& text) {
  return parse_config(text, "cfg.toml", [](const std::string&) { return std::nullopt; });
}

TEST(ConfigAlerts, OffWithoutTheTableAndReadWithIt) {
  EXPECT_TRUE(parse("").config.alerts.url.empty());
  auto result = parse(
      "[alerts]\nurl = \"https://hooks.example/services/T0/B0/s3cr3t\"\nmin_interval = \"10m\"\n");
  ASSERT_TRUE(result.ok()) << format_problems(result.problems);
  EXPECT_EQ(result.config.alerts.url, "https://hooks.example/services/T0/B0/s3cr3t");
  EXPECT_EQ(result.config.alerts.min_interval.count(), 600000);
  EXPECT_EQ(parse("[alerts]\nurl = \"http://127.0.0.1:9/x\"\n").config.alerts.min_interval.count(),
            300000);
}

TEST(ConfigAlerts, AnUrlThatIsNotHttpIsReportedWithItsLocationNotItsText) {
  for (const std::string url : {"ftp://hooks.example/s3cr3t", "hooks.example/s3cr3t",
                                "https:///s3cr3t", "https://user:s3cr3t@hooks.example/x"}) {
    auto result = parse("[log]\nlevel = \"info\"\n[alerts]\nurl = \"" + url + "\"\n");
    ASSERT_EQ(result.problems.size(), 1u) << url;
    const std::string text = result.problems[0].to_string();
    EXPECT_NE(text.find("cfg.toml:4"), std::string::npos) << text;
    EXPECT_NE(text.find("alerts.url"), std::string::npos) << text;
    EXPECT_EQ(text.find("s3cr3t"), std::string::npos) << text;
  }
  EXPECT_FALSE(parse("[alerts]\nmin_interval = \"5m\"\n").ok());  // url is required
  EXPECT_FALSE(parse("[alerts]\nurl = \"https://h/x\"\nmin_interval = \"0s\"\n").ok());
}

}  // namespace
}  // namespace tixsync::config
