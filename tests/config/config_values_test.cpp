// Tests of the small value parsers of config/: durations, Redis URLs, the "did you mean"
// suggestion and the secret wrapper that never prints its value.
#include <gtest/gtest.h>

#include <sstream>

#include "config/duration.hpp"
#include "config/redis_url.hpp"
#include "config/secret.hpp"
#include "config/table_reader.hpp"

namespace tixsync::config {
namespace {

using std::chrono::milliseconds;

TEST(Duration, UnitsAndSums) {
  EXPECT_EQ(parse_duration("500ms"), milliseconds(500));
  EXPECT_EQ(parse_duration("30s"), milliseconds(30000));
  EXPECT_EQ(parse_duration("5m"), milliseconds(300000));
  EXPECT_EQ(parse_duration("2h"), milliseconds(7200000));
  EXPECT_EQ(parse_duration("1d"), milliseconds(86400000));
  EXPECT_EQ(parse_duration("1m30s"), milliseconds(90000));
  EXPECT_EQ(parse_duration("0s"), milliseconds(0));
}

TEST(Duration, RejectsMalformed) {
  for (const char* bad : {"", "30", "s", "30x", "-5s", "2 s", "1.5s", "99999999999999999999d"}) {
    EXPECT_FALSE(parse_duration(bad).has_value()) << bad;
  }
}

TEST(RedisUrl, TcpWithPasswordAndDatabase) {
  std::string error;
  auto url = parse_redis_url("redis://:s3cret@db.internal:6380/3", error);
  ASSERT_TRUE(url) << error;
  EXPECT_EQ(url->host, "db.internal");
  EXPECT_EQ(url->port, 6380);
  EXPECT_EQ(url->database, 3);
  EXPECT_EQ(url->password, "s3cret");
}

TEST(RedisUrl, UnixSocket) {
  std::string error;
  auto url = parse_redis_url("unix:///run/redis/redis.sock", error);
  ASSERT_TRUE(url) << error;
  EXPECT_EQ(url->unix_socket, "/run/redis/redis.sock");
}

TEST(RedisUrl, RejectsBadSchemePortAndDatabase) {
  std::string error;
  EXPECT_FALSE(parse_redis_url("http://localhost:6379", error));
  EXPECT_NE(error.find("redis://"), std::string::npos);
  EXPECT_FALSE(parse_redis_url("redis://localhost:99999/0", error));
  EXPECT_NE(error.find("port"), std::string::npos);
  EXPECT_FALSE(parse_redis_url("redis://localhost:6379/x", error));
  EXPECT_NE(error.find("database"), std::string::npos);
  EXPECT_FALSE(parse_redis_url("unix://relative.sock", error));
}

TEST(ClosestKey, SuggestsTyposOnly) {
  const std::set<std::string> keys{"concurrency", "lease", "grace", "claim_batch"};
  EXPECT_EQ(closest_key("concurency", keys), "concurrency");
  EXPECT_EQ(closest_key("leese", keys), "lease");
  EXPECT_EQ(closest_key("colour", keys), "");
}

TEST(Secret, NeverPrintsItsValue) {
  secret s("hunter2");
  std::ostringstream out;
  out << s;
  EXPECT_EQ(out.str(), "***");
  EXPECT_EQ(s.masked(), "***");
  EXPECT_EQ(s.reveal(), "hunter2");
  EXPECT_EQ(secret().masked(), "");
}

}  // namespace
}  // namespace tixsync::config
