// [shop] catch_up, catch_up_events and catch_up_from: absent or "0" is off, a duration turns it
// on, and every bad value is a problem naming the key with its location.
#include <gtest/gtest.h>

#include "config/config_loader.hpp"
#include "tests/support/fake_env.hpp"

namespace tixsync::config {
namespace {

using testing::fake_env;

const std::string shop = "[shop]\nurl = \"https://pretix.example\"\norganizer = \"nordlicht\"\n";

load_result parse(const std::string& text) {
  return parse_config(text, "cfg.toml", fake_env({}));
}

std::string problems_of(const std::string& text) {
  std::string out;
  for (const auto& p : parse(text).problems) out += p.to_string() + "\n";
  return out;
}

TEST(ConfigCatchUp, OffUnlessAnIntervalIsGiven) {
  EXPECT_EQ(parse(shop).config.shop.catch_up.count(), 0);
  EXPECT_EQ(parse(shop + "catch_up = \"0\"\n").config.shop.catch_up.count(), 0);
  EXPECT_EQ(parse(shop + "catch_up = \"0s\"\n").config.shop.catch_up.count(), 0);
  auto on = parse(shop +
                  "catch_up = \"5m\"\ncatch_up_events = [\"ndd25\", \"ndd26\"]\n"
                  "catch_up_from = \"2025-05-01T00:00:00+02:00\"\n");
  ASSERT_TRUE(on.ok()) << format_problems(on.problems);
  EXPECT_EQ(on.config.shop.catch_up.count(), 300000);
  EXPECT_EQ(on.config.shop.catch_up_events, (std::vector<std::string>{"ndd25", "ndd26"}));
  EXPECT_EQ(on.config.shop.catch_up_from, "2025-05-01T00:00:00+02:00");
}

TEST(ConfigCatchUp, BadValuesAreProblemsNamingTheKey) {
  EXPECT_EQ(problems_of(shop + "catch_up = \"5 minutes\"\n"),
            "cfg.toml:4:12: shop.catch_up: bad duration \"5 minutes\": use e.g. \"500ms\", "
            "\"30s\", \"5m\", \"1h\"\n");
  EXPECT_EQ(problems_of(shop + "catch_up = \"10ms\"\n"),
            "cfg.toml:4:12: shop.catch_up: out of range: \"10ms\" is not within "
            "1000ms..86400000ms\n");
  EXPECT_EQ(problems_of(shop + "catch_up = 5\n"),
            "cfg.toml:4:12: shop.catch_up: expected a duration string like \"30s\"\n");
  EXPECT_EQ(problems_of("[shop]\ncatch_up = \"5m\"\n"),
            "cfg.toml:2:12: shop.catch_up: catch-up polls pretix: it needs shop.url and "
            "shop.organizer\n");
  EXPECT_EQ(problems_of(shop + "catch_up_events = [\"ndd25\", \"nordlicht/ndd26\"]\n"),
            "cfg.toml:4:29: shop.catch_up_events[1]: 'nordlicht/ndd26' is not an event slug of "
            "shop.organizer: use 1-100 letters, digits, '.', '_' and '-'\n");
  EXPECT_EQ(problems_of(shop + "catch_up_from = \"2025-05-01\"\n"),
            "cfg.toml:4:17: shop.catch_up_from: bad datetime '2025-05-01': use ISO 8601 with an "
            "offset, e.g. \"2025-05-01T00:00:00Z\"\n");
  EXPECT_EQ(problems_of(shop + "catch_upp = \"5m\"\n"),
            "cfg.toml:4:1: shop.catch_upp: unknown key (did you mean 'catch_up'?)\n");
}

}  // namespace
}  // namespace tixsync::config
