// Tests of the [http] section: its defaults, every key read, port 0, and the problems of bad
// values, each with its location; and [shop]'s fetch timeout and answer bound.
#include "config/config_loader.hpp"

#include <gtest/gtest.h>

namespace tixsync::config {
namespace {

env_lookup token_env() {
  return [](const std::string& name) -> std::optional<std::string> {
    if (name == "API_TOKEN") return std::string("s3cret");
    return std::nullopt;
  };
}

std::vector<std::string> problems_of(const std::string& text) {
  std::vector<std::string> out;
  for (const auto& p : parse_config(text, "cfg.toml", token_env()).problems) out.push_back(p.to_string());
  return out;
}

TEST(ConfigHttp, DefaultsWithoutTheTable) {
  auto result = parse_config("", "cfg.toml", token_env());
  ASSERT_TRUE(result.ok());
  const auto& http = result.config.http;
  EXPECT_TRUE(http.enabled);
  EXPECT_FALSE(http.configured);
  EXPECT_EQ(http.listen, "127.0.0.1");
  EXPECT_EQ(http.port, 8080);
  EXPECT_EQ(http.max_body, 1024 * 1024);
  EXPECT_EQ(http.request_timeout.count(), 10000);
  EXPECT_EQ(http.threads, 2);
  EXPECT_EQ(http.redis_threads, 2);
  EXPECT_EQ(http.max_connections, 0) << "derived from the open-file limit";
}

TEST(ConfigHttp, ReadsEveryKey) {
  auto result = parse_config(
      "[http]\nenabled = false\nlisten = \"0.0.0.0\"\nport = 0\napi_token_env = \"API_TOKEN\"\n"
      "max_body = 4096\nrequest_timeout = \"2s\"\nthreads = 3\nredis_threads = 4\n"
      "max_connections = 500\n",
      "cfg.toml", token_env());
  ASSERT_TRUE(result.ok()) << format_problems(result.problems);
  const auto& http = result.config.http;
  EXPECT_FALSE(http.enabled);
  EXPECT_TRUE(http.configured);
  EXPECT_EQ(http.listen, "0.0.0.0");
  EXPECT_EQ(http.port, 0);
  EXPECT_EQ(http.api_token.reveal(), "s3cret");
  EXPECT_EQ(http.max_body, 4096);
  EXPECT_EQ(http.request_timeout.count(), 2000);
  EXPECT_EQ(http.threads, 3);
  EXPECT_EQ(http.redis_threads, 4);
  EXPECT_EQ(http.max_connections, 500);
}

TEST(ConfigHttp, BadValuesAreReportedWithTheirPlace) {
  EXPECT_EQ(problems_of("[http]\nmax_body = 10\n"),
            std::vector<std::string>{
                "cfg.toml:2:12: http.max_body: out of range: 10 is not within 1024..67108864"});
  EXPECT_EQ(problems_of("[http]\nthreads = 0\n"),
            std::vector<std::string>{"cfg.toml:2:11: http.threads: out of range: 0 is not within 1..64"});
  EXPECT_EQ(problems_of("[http]\nenabled = \"yes\"\n"),
            std::vector<std::string>{"cfg.toml:2:11: http.enabled: expected true or false"});
  auto timeout = problems_of("[http]\nrequest_timeout = \"1ms\"\n");
  ASSERT_EQ(timeout.size(), 1u);
  EXPECT_NE(timeout[0].find("cfg.toml:2:19: http.request_timeout:"), std::string::npos) << timeout[0];
  auto unknown = problems_of("[http]\nmax_bdy = 1\n");
  ASSERT_EQ(unknown.size(), 1u);
  EXPECT_NE(unknown[0].find("did you mean 'max_body'"), std::string::npos) << unknown[0];
}

TEST(ConfigHttp, MaxConnectionsIsACountOfAtLeastOne) {
  EXPECT_EQ(problems_of("[http]\nmax_connections = 0\n"),
            std::vector<std::string>{"cfg.toml:2:19: http.max_connections: out of range: 0 is not "
                                     "within 1..1000000"});
  EXPECT_EQ(problems_of("[http]\nmax_connections = \"many\"\n"),
            std::vector<std::string>{"cfg.toml:2:19: http.max_connections: expected an integer"});
  EXPECT_EQ(problems_of("[http]\nmax_connections = 2000000\n").size(), 1u);
}

TEST(ConfigShopFetch, TimeoutAndAnswerBoundDefaultsReadAndRefused) {
  auto defaults = parse_config("", "cfg.toml", token_env());
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults.config.shop.fetch_timeout.count(), 10000);
  EXPECT_EQ(defaults.config.shop.max_response_bytes, 16 * 1024 * 1024);
  auto set = parse_config("[shop]\nfetch_timeout = \"3s\"\nmax_response_bytes = 2097152\n",
                          "cfg.toml", token_env());
  ASSERT_TRUE(set.ok()) << format_problems(set.problems);
  EXPECT_EQ(set.config.shop.fetch_timeout.count(), 3000);
  EXPECT_EQ(set.config.shop.max_response_bytes, 2097152);
  const auto problems = problems_of(
      "[shop]\nfetch_timeout = \"0s\"\nmax_response_bytes = 10\nfetch_timout = \"1s\"\n");
  ASSERT_EQ(problems.size(), 3u) << ::testing::PrintToString(problems);
  EXPECT_EQ(problems[0].rfind("cfg.toml:2:17: shop.fetch_timeout:", 0), 0u) << problems[0];
  EXPECT_EQ(problems[1].rfind("cfg.toml:3:22: shop.max_response_bytes:", 0), 0u) << problems[1];
  EXPECT_NE(problems[2].find("(did you mean 'fetch_timeout'?)"), std::string::npos) << problems[2];
}

}  // namespace
}  // namespace tixsync::config
