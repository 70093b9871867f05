// Tests of the [redis] failover and access keys: sentinels, master_name, the sentinels' password,
// the ACL user name and replica confirmation; every mistake reported with its location.
#include <gtest/gtest.h>

#include "config/config_loader.hpp"
#include "config/redis_url.hpp"
#include "tests/support/fake_env.hpp"

namespace tixsync::config {
namespace {

load_result parse(const std::string& text) {
  return parse_config(text, "cfg.toml",
                      tixsync::testing::fake_env({{"REDIS_PW", "pw-1"}, {"SENTINEL_PW", "pw-2"}}));
}

std::vector<std::string> problems_of(const std::string& text) {
  std::vector<std::string> out;
  for (const auto& p : parse(text).problems) out.push_back(p.to_string());
  return out;
}

TEST(ConfigRedisFailover, ReadsSentinelsMasterNameUserAndDefaults) {
  auto result = parse(
      "[redis]\nsentinels = [\"10.0.0.5:26379\", \"sentinel-b:26380\"]\nmaster_name = \"main\"\n"
      "username = \"tixsync\"\npassword_env = \"REDIS_PW\"\n"
      "sentinel_password_env = \"SENTINEL_PW\"\n");
  ASSERT_TRUE(result.ok()) << format_problems(result.problems);
  const auto& redis = result.config.redis;
  ASSERT_EQ(redis.sentinels.size(), 2u);
  EXPECT_EQ(redis.sentinels[1].host, "sentinel-b");
  EXPECT_EQ(redis.sentinels[1].port, 26380);
  EXPECT_EQ(redis.master_name, "main");
  EXPECT_EQ(redis.username, "tixsync");
  EXPECT_EQ(redis.password.reveal(), "pw-1");
  EXPECT_EQ(redis.sentinel_password.reveal(), "pw-2");
  EXPECT_EQ(redis.min_replicas_acked, 1);  // with sentinels an acknowledgement needs a replica
  EXPECT_EQ(redis.sentinels_location.line, 2);
  EXPECT_EQ(redis.url, "sentinel://main@10.0.0.5:26379,sentinel-b:26380");
}

TEST(ConfigRedisFailover, WithoutSentinelsNoReplicaIsAskedUnlessConfigured) {
  EXPECT_EQ(parse("[redis]\nurl = \"redis://127.0.0.1:6379/0\"\n").config.redis.min_replicas_acked,
            0);
  auto result = parse(
      "[redis]\nurl = \"redis://127.0.0.1:6379/0\"\nmin_replicas_acked = 2\n"
      "replica_ack_timeout = \"500ms\"\n");
  ASSERT_TRUE(result.ok()) << format_problems(result.problems);
  EXPECT_EQ(result.config.redis.min_replicas_acked, 2);
  EXPECT_EQ(result.config.redis.replica_ack_timeout.count(), 500);
}

TEST(ConfigRedisFailover, BadEntriesEmptyMasterNameAndUrlTogetherAreLocated) {
  EXPECT_EQ(problems_of("[redis]\nurl = \"redis://10.0.0.1:6379/0\"\n"
                        "sentinels = [\"10.0.0.5:26379\", \"10.0.0.6\", \"10.0.0.7:99999\"]\n"
                        "master_name = \"\"\n"),
            (std::vector<std::string>{
                "cfg.toml:3:13: redis.sentinels: sentinels and url exclude each other: the "
                "sentinels name the master's address",
                "cfg.toml:3:32: redis.sentinels[1]: '10.0.0.6': expected host:port, e.g. "
                "10.0.0.5:26379",
                "cfg.toml:3:44: redis.sentinels[2]: '10.0.0.7:99999': the port must be a number "
                "from 1 to 65535",
                "cfg.toml:4:15: redis.master_name: must not be empty: name the master the "
                "sentinels monitor (sentinel monitor NAME)"}));
}

TEST(ConfigRedisFailover, MissingMasterNameEmptyListAndMasterNameAlone) {
  EXPECT_EQ(problems_of("[redis]\nsentinels = []\n"),
            (std::vector<std::string>{
                "cfg.toml:1:1: redis.master_name: missing: name the master the sentinels "
                "monitor (sentinel monitor NAME ...)",
                "cfg.toml:2:13: redis.sentinels: name at least one sentinel (host:port)"}));
  EXPECT_EQ(problems_of("[redis]\nmaster_name = \"main\"\n"),
            (std::vector<std::string>{"cfg.toml:2:15: redis.master_name: needs sentinels (the "
                                      "servers that know this master)"}));
}

TEST(ConfigRedisFailover, AnAclUserNeedsItsPasswordFromTheEnvironment) {
  EXPECT_EQ(problems_of("[redis]\nusername = \"tixsync\"\n"),
            (std::vector<std::string>{
                "cfg.toml:2:12: redis.username: an ACL user needs its password: name its "
                "environment variable in redis.password_env"}));
  EXPECT_EQ(problems_of("[redis]\nusername = \"a b\"\npassword_env = \"REDIS_PW\"\n"),
            (std::vector<std::string>{
                "cfg.toml:2:12: redis.username: must be an ACL user name without spaces"}));
}

TEST(RedisUrl, UserNameBeforeThePassword) {
  std::string error;
  auto url = parse_redis_url("redis://alice:pw@127.0.0.1:6380/2", error);
  ASSERT_TRUE(url) << error;
  EXPECT_EQ(url->username, "alice");
  EXPECT_EQ(url->password, "pw");
  auto bare = parse_redis_url("redis://:pw@127.0.0.1:6380/2", error);
  ASSERT_TRUE(bare) << error;
  EXPECT_EQ(bare->username, "");
}

TEST(RedisUrl, HostPortAddresses) {
  std::string error;
  auto v6 = parse_host_port("[::1]:26379", error);
  ASSERT_TRUE(v6) << error;
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 26379);
  EXPECT_FALSE(parse_host_port(":26379", error));
  EXPECT_FALSE(parse_host_port("host:0", error));
  EXPECT_FALSE(parse_host_port("a b:1", error));
}

}  // namespace
}  // namespace tixsync::config
