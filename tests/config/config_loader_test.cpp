// Tests of load_config / parse_config: the example config, defaults, and every kind of problem
// with its exact "FILE:LINE:COLUMN: key.path: message", all reported at once; secrets from the
// environment; mapping files and inline mappings; the check against an event's catalogue.
#include "config/config_loader.hpp"

#include <gtest/gtest.h>

#include <map>

#include "tests/support/fake_env.hpp"

namespace tixsync::config {
namespace {

using testing::fake_env;

/// The problems of `text` read as "cfg.toml", one string each.
std::vector<std::string> problems_of(const std::string& text, env_lookup env = fake_env({})) {
  std::vector<std::string> out;
  for (const auto& p : parse_config(text, "cfg.toml", env).problems) out.push_back(p.to_string());
  return out;
}

const std::string provider_head = "[[providers]]\nid = \"crm\"\ntype = \"example\"\n";

TEST(ConfigLoader, ExampleConfigParses) {
  auto result = load_config(std::string(TIXSYNC_EXAMPLES_DIR) + "/tixsync.toml", fake_env({}));
  ASSERT_TRUE(result.ok()) << format_problems(result.problems);
  const auto& c = result.config;
  EXPECT_FALSE(c.redis.embedded);
  EXPECT_EQ(c.redis.port, 6379);
  EXPECT_EQ(c.redis.prefix, "tixsync");
  EXPECT_EQ(c.redis.command_timeout.count(), 2000);
  EXPECT_EQ(c.node.lease.count(), 30000);
  EXPECT_EQ(c.http.port, 8080);
  EXPECT_EQ(c.shop.organizer, "nordlicht");
  EXPECT_EQ(c.log.format, "logfmt");
  ASSERT_EQ(c.providers.size(), 1u);
  const auto& p = c.providers[0];
  EXPECT_EQ(p.id, "crm");
  EXPECT_EQ(p.type, "example");
  EXPECT_EQ(p.mappings.size(), 2u);
  EXPECT_TRUE(p.change_detection);
  EXPECT_EQ(p.retry.base.count(), 300000);
  EXPECT_EQ(p.retry.max_attempts, 5);
  EXPECT_DOUBLE_EQ(p.limits.rate, 10.0);
  EXPECT_EQ(p.limits.burst, 20);
}

TEST(ConfigLoader, EmptyFileMeansDefaultsAndEmbeddedRedis) {
  auto result = parse_config("", "cfg.toml", fake_env({}));
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(result.config.redis.embedded);
  EXPECT_EQ(result.config.redis.prefix, "tixsync");
  EXPECT_FALSE(result.config.node.name.empty());
  EXPECT_EQ(result.config.http.listen, "127.0.0.1");
  EXPECT_EQ(result.config.shop.language, "en");
}

TEST(ConfigLoader, SyntaxErrorHasItsLocation) {
  auto problems = problems_of("[redis]\nurl = \"redis://x:1/0\"\nprefix = \n");
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].rfind("cfg.toml:3:", 0), 0u) << problems[0];
  EXPECT_NE(problems[0].find("TOML syntax error"), std::string::npos);
}

TEST(ConfigLoader, UnknownKeySuggestsTheKnownOne) {
  EXPECT_EQ(problems_of("[node]\nconcurency = 4\n"),
            std::vector<std::string>{
                "cfg.toml:2:1: node.concurency: unknown key (did you mean 'concurrency'?)"});
  EXPECT_EQ(problems_of("colour = 1\n"),
            std::vector<std::string>{"cfg.toml:1:1: colour: unknown key"});
}

TEST(ConfigLoader, WrongTypeAndOutOfRange) {
  EXPECT_EQ(problems_of("[http]\nport = \"80\"\n"),
            std::vector<std::string>{"cfg.toml:2:8: http.port: expected an integer"});
  EXPECT_EQ(problems_of("[http]\nport = 70000\n"),
            std::vector<std::string>{
                "cfg.toml:2:8: http.port: out of range: 70000 is not within 0..65535"});
  EXPECT_EQ(problems_of("[log]\nlevel = \"loud\"\n"),
            std::vector<std::string>{"cfg.toml:2:9: log.level: \"loud\" is not one of trace, "
                                     "debug, info, warn, error"});
}

TEST(ConfigLoader, BadDuration) {
  EXPECT_EQ(problems_of("[node]\nlease = \"30x\"\n"),
            std::vector<std::string>{"cfg.toml:2:9: node.lease: bad duration \"30x\": use e.g. "
                                     "\"500ms\", \"30s\", \"5m\", \"1h\""});
}

TEST(ConfigLoader, MissingRequiredKeyIsLocatedAtItsTable) {
  EXPECT_EQ(problems_of("[[providers]]\ntype = \"example\"\nmappings = []\n"),
            std::vector<std::string>{"cfg.toml:1:1: providers[0].id: missing required key"});
}

TEST(ConfigLoader, NodeThreadsForNodesSharingFewCores) {
  auto defaults = parse_config("", "cfg.toml", fake_env({}));
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults.config.node.scheduler_threads, 0);
  EXPECT_EQ(defaults.config.node.store_threads, 0);  // chosen by the machine's cores
  auto set = parse_config("[node]\nscheduler_threads = 1\nstore_threads = 1\n", "cfg.toml",
                          fake_env({}));
  ASSERT_TRUE(set.ok()) << format_problems(set.problems);
  EXPECT_EQ(set.config.node.scheduler_threads, 1);
  EXPECT_EQ(set.config.node.store_threads, 1);
  auto problems = problems_of("[node]\nscheduler_threads = -1\nstore_threads = 17\n");
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_EQ(problems[0].rfind("cfg.toml:2:21: node.scheduler_threads:", 0), 0u) << problems[0];
  EXPECT_EQ(problems[1].rfind("cfg.toml:3:17: node.store_threads:", 0), 0u) << problems[1];
}

TEST(ConfigLoader, DuplicateProviderId) {
  auto problems =
      problems_of(provider_head + "mappings = []\n" + provider_head + "mappings = []\n");
  EXPECT_EQ(problems, std::vector<std::string>{
                          "cfg.toml:6:6: providers[1].id: duplicate provider id \"crm\""});
}

TEST(ConfigLoader, EveryProblemAtOnceInFileOrder) {
  auto problems = problems_of(
      "[redis]\nurl = \"http://x\"\n[node]\nlease = \"1y\"\nclaim_batch = 0\n[log]\nformat = 3\n");
  ASSERT_EQ(problems.size(), 4u);
  EXPECT_EQ(problems[0].rfind("cfg.toml:2:7: redis.url:", 0), 0u) << problems[0];
  EXPECT_EQ(problems[1].rfind("cfg.toml:4:9: node.lease:", 0), 0u) << problems[1];
  EXPECT_EQ(problems[2].rfind("cfg.toml:5:15: node.claim_batch:", 0), 0u) << problems[2];
  EXPECT_EQ(problems[3].rfind("cfg.toml:7:10: log.format:", 0), 0u) << problems[3];
}

}  // namespace
}  // namespace tixsync::config
