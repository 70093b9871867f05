// The commands' side of [redis] sentinels and ACL users: check-config asks the sentinels and
// reports a list that names nothing usable at its location (exit 3), queue commands find the
// master through real sentinels, and a wrong ACL password is a clear error (exit 3) that never
// shows the password.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "persistence/redis_connection.hpp"
#include "tests/support/command.hpp"
#include "tests/support/redis_sentinel.hpp"
#include "tests/support/redis_server.hpp"
#include "tests/support/temp_file.hpp"

namespace tixsync::testing {
namespace {

const std::string examples = std::string(TIXSYNC_TEST_DATA_DIR) + "/../../examples";

std::string config_text(const std::string& redis_keys) {
  return "[redis]\n" + redis_keys + "connect_timeout = \"300ms\"\n\n[[providers]]\nid = \"crm\"\n" +
         "type = \"example\"\nmappings = \"" + examples + "/mappings.json\"\n";
}

TEST(redis_access_cli, CheckConfigReportsSentinelsThatNameNothingReachable) {
  const std::string a = std::to_string(redis_server::free_port());
  const std::string b = std::to_string(redis_server::free_port());
  temp_file config(config_text("sentinels = [\"127.0.0.1:" + a + "\", \"127.0.0.1:" + b +
                               "\"]\nmaster_name = \"main\"\n"),
                   ".toml");
  auto r = run_tixsync({"check-config", config.path()});
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_NE(r.out.find(config.path() +
                       ":2:13: redis.sentinels: no usable master: no sentinel "
                       "named the master 'main' (cannot connect to Redis at "
                       "127.0.0.1:" +
                       a),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("127.0.0.1:" + b), std::string::npos) << r.out;
}

TEST(redis_access_cli, CheckConfigReportsStaticSentinelProblemsWithExit1) {
  temp_file config(config_text("url = \"redis://127.0.0.1:6379/0\"\nsentinels = [\"nohost\"]\n"
                               "master_name = \"\"\n"),
                   ".toml");
  auto r = run_tixsync({"check-config", config.path()});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find(config.path() + ":3:13: redis.sentinels: sentinels and url exclude"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find(config.path() + ":3:14: redis.sentinels[0]: 'nohost': expected host:port"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find(config.path() + ":4:15: redis.master_name: must not be empty"),
            std::string::npos)
      << r.out;
}

TEST(redis_access_cli, CheckConfigAndQueueCommandsFindTheMasterThroughSentinels) {
  redis_sentinel_group group;
  temp_file config(config_text("sentinels = " + group.sentinels_toml() + "\nmaster_name = \"" +
                               group.master_name() + "\"\n"),
                   ".toml");
  auto checked = run_tixsync({"check-config", config.path()});
  EXPECT_EQ(checked.exit_code, 0) << checked.out << checked.err;
  EXPECT_NE(checked.out.find("redis sentinel://" + group.master_name() + "@127.0.0.1:"),
            std::string::npos)
      << checked.out;
  auto enqueued = run_tixsync({"enqueue", "--config", config.path(), "--provider", "crm", "--event",
                               "nordlicht/ndd25", "--event-file", examples + "/sample-event.json",
                               "--order", examples + "/sample-orders.jsonl"});
  ASSERT_EQ(enqueued.exit_code, 0) << enqueued.out << enqueued.err;
  std::ifstream lines(examples + "/sample-orders.jsonl");
  int orders = 0;
  for (std::string line; std::getline(lines, line);) orders += line.empty() ? 0 : 1;
  const auto moved = group.fail_over(std::chrono::seconds(60));
  ASSERT_TRUE(moved) << moved.failure;
  auto jobs = run_tixsync({"jobs", "--config", config.path(), "--provider", "crm", "--json"});
  ASSERT_EQ(jobs.exit_code, 0) << jobs.err;
  const auto doc = nlohmann::json::parse(jobs.out, nullptr, false);
  ASSERT_TRUE(doc.is_object()) << jobs.out;
  EXPECT_EQ(doc.value("total", 0), orders) << "the acknowledged enqueue is on the new master";
}

TEST(redis_access_cli, AWrongAclPasswordIsAClearErrorWithExit3) {
  redis_server server;
  persistence::connection_options admin;
  admin.port = server.port();
  persistence::redis_connection root(admin);
  auto set = root.command({"ACL", "SETUSER", "syncer", "on", ">right-pw-1", "~*", "&*", "+@all"});
  ASSERT_TRUE(set.ok() && !set->is_error());
  temp_file config(
      config_text("url = \"redis://127.0.0.1:" + std::to_string(server.port()) +
                  "/0\"\nusername = \"syncer\"\n" + "password_env = \"TIXSYNC_TEST_ACL_PW\"\n"),
      ".toml");
  ::setenv("TIXSYNC_TEST_ACL_PW", "wrong-pw-2", 1);
  auto refused = run_tixsync({"jobs", "--config", config.path(), "--provider", "crm"});
  EXPECT_EQ(refused.exit_code, 3) << refused.out << refused.err;
  EXPECT_NE(refused.err.find("AUTH refused by 127.0.0.1:" + std::to_string(server.port()) +
                             ": WRONGPASS"),
            std::string::npos)
      << refused.err;
  EXPECT_EQ((refused.out + refused.err).find("wrong-pw-2"), std::string::npos);
  ::setenv("TIXSYNC_TEST_ACL_PW", "right-pw-1", 1);
  auto allowed = run_tixsync({"jobs", "--config", config.path(), "--provider", "crm"});
  EXPECT_EQ(allowed.exit_code, 0) << allowed.err;
  ::unsetenv("TIXSYNC_TEST_ACL_PW");
}

}  // namespace
}  // namespace tixsync::testing
