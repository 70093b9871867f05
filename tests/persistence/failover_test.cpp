// Redis Sentinel failover against real processes (a master, a replica, three sentinels): the
// connection finds the master, follows a failover (by command and by SIGKILL) with the scripts
// loaded again on the new master, refuses to acknowledge a write no replica confirmed (a queue
// script, a provider's pause and resume), and reports sentinels that name nothing usable. Also
// AUTH with an ACL user name.
#include <gtest/gtest.h>

#include <mutex>

#include "persistence/provider_pause.hpp"
#include "persistence/queue_store.hpp"
#include "persistence/redis_connection.hpp"
#include "tests/support/redis_sentinel.hpp"

namespace tixsync::persistence {
namespace {

using namespace std::chrono_literals;
using tixsync::testing::redis_sentinel_group;

constexpr std::int64_t t0 = 1'700'000'000'000;

item_ref ref(const std::string& order) {
  return {"crm", "org/ev1", order};
}

/// A log that the connection writes to from its thread.
struct captured_log {
  std::mutex mutex;
  std::vector<std::string> lines;
  std::function<void(const std::string&)> sink() {
    return [this](const std::string& line) {
      std::lock_guard<std::mutex> lock(mutex);
      lines.push_back(line);
    };
  }
  bool mentions(const std::string& text) {
    std::lock_guard<std::mutex> lock(mutex);
    for (const auto& l : lines) {
      if (l.find(text) != std::string::npos) return true;
    }
    return false;
  }
};

std::int64_t due_on(redis_sentinel_group& group, int server) {
  connection_options o;
  o.port = group.server(server).port();
  redis_connection direct(o);
  queue_store queue(direct, queue_options{});
  auto counts = queue.count("crm", t0);
  EXPECT_TRUE(counts.ok()) << counts.error().to_string();
  return counts.ok() ? counts->total() : -1;
}

class RedisFailover : public ::testing::Test {
 protected:
  redis_sentinel_group group_;
  captured_log log_;

  connection_options options() {
    auto o = group_.connection();
    o.failover.log = log_.sink();
    return o;
  }
};

TEST_F(RedisFailover, ConnectsToTheMasterTheSentinelsName) {
  redis_connection c(options());
  ASSERT_TRUE(c.connect().ok());
  EXPECT_EQ(c.options().port, group_.server(0).port());
  auto role = c.command({"ROLE"});
  ASSERT_TRUE(role.ok());
  EXPECT_EQ(role->elements.at(0).str, "master");
}

TEST_F(RedisFailover, EnqueuesFollowTheMasterAfterSentinelFailoverAndScriptsAreReloaded) {
  redis_connection c(options());
  queue_store queue(c, queue_options{});
  ASSERT_TRUE(queue.enqueue({ref("A1"), "order_placed", std::nullopt, std::nullopt}, t0).ok());
  const auto moved = group_.fail_over(30s);
  ASSERT_TRUE(moved) << moved.failure;
  ASSERT_EQ(group_.named_master(), 1);
  const auto demoted = group_.wait_replica_known(0, 30s);
  ASSERT_TRUE(demoted) << "the old master did not become a replica: " << demoted.failure;
  // The same connection: the old master closed it when it was demoted; the call finds the new
  // master, which never saw SCRIPT LOAD, and runs there.
  auto second = queue.enqueue({ref("A2"), "order_placed", std::nullopt, std::nullopt}, t0);
  ASSERT_TRUE(second.ok()) << second.error().to_string();
  EXPECT_EQ(c.options().port, group_.server(1).port());
  EXPECT_EQ(due_on(group_, 1), 2) << "the acknowledged first enqueue was replicated";
  EXPECT_TRUE(log_.mentions("moved from 127.0.0.1:" + std::to_string(group_.server(0).port())));
}

TEST_F(RedisFailover, CallsWaitForANewMasterAfterTheMasterWasKilled) {
  redis_connection c(options());
  queue_store queue(c, queue_options{});
  ASSERT_TRUE(queue.enqueue({ref("K1"), "order_placed", std::nullopt, std::nullopt}, t0).ok());
  group_.server(0).kill();
  // Called at once: the connection waits (bounded) while the sentinels still name the dead
  // master, until they have promoted the replica.
  auto counted = queue.count("crm", t0);
  ASSERT_TRUE(counted.ok()) << counted.error().to_string();
  EXPECT_EQ(counted->total(), 1) << "the acknowledged enqueue was replicated";
  EXPECT_EQ(c.options().port, group_.server(1).port());
  EXPECT_TRUE(log_.mentions("not usable yet"));
  // The new master has no replica until the old one is back: nothing can be acknowledged.
  auto alone = queue.enqueue({ref("K2"), "order_placed", std::nullopt, std::nullopt}, t0);
  EXPECT_EQ(alone.code(), make_error_code(persistence_errc::timeout));
  group_.server(0).start();
  const auto known = group_.wait_replica_known(0, 30s);
  ASSERT_TRUE(known) << known.failure;
  auto again = queue.enqueue({ref("K2"), "order_placed", std::nullopt, std::nullopt}, t0);
  ASSERT_TRUE(again.ok()) << again.error().to_string();
  EXPECT_EQ(due_on(group_, 1), 2);
}

TEST_F(RedisFailover, AWriteNoReplicaConfirmedIsNotAcknowledged) {
  auto o = options();
  o.failover.replica_ack_timeout = 300ms;
  redis_connection c(o);
  queue_store queue(c, queue_options{});
  group_.server(1).kill();
  auto lonely = queue.enqueue({ref("L1"), "order_placed", std::nullopt, std::nullopt}, t0);
  ASSERT_FALSE(lonely.ok());
  EXPECT_EQ(lonely.code(), make_error_code(persistence_errc::timeout));
  EXPECT_NE(lonely.error().message().find("not confirmed by 1 replica(s) within 300 ms"),
            std::string::npos)
      << lonely.error().message();
  // Reads and lease bookkeeping need no replica.
  EXPECT_TRUE(queue.count("crm", t0).ok());
  group_.server(1).start();
  const auto known = group_.wait_replica_known(1, 30s);
  ASSERT_TRUE(known) << known.failure;
  auto confirmed = queue.enqueue({ref("L2"), "order_placed", std::nullopt, std::nullopt}, t0);
  EXPECT_TRUE(confirmed.ok()) << confirmed.error().to_string();
}

/// The pause of provider "crm" as server `server` holds it (a direct connection).
pause_state pause_on(redis_sentinel_group& group, int server) {
  connection_options o;
  o.port = group.server(server).port();
  redis_connection direct(o);
  auto state = provider_pause_store(direct, key_space()).get("crm");
  EXPECT_TRUE(state.ok()) << state.error().to_string();
  return state.ok() ? *state : pause_state{};
}

TEST_F(RedisFailover, APauseOrResumeNoReplicaConfirmedIsNotAcknowledged) {
  auto o = options();
  o.failover.replica_ack_timeout = 300ms;
  redis_connection c(o);
  provider_pause_store pauses(c, key_space());
  group_.server(1).kill();
  auto lonely = pauses.pause("crm", "CRM maintenance", "cli", t0);
  ASSERT_FALSE(lonely.ok());
  EXPECT_EQ(lonely.code(), make_error_code(persistence_errc::timeout));
  EXPECT_NE(lonely.message().find("not confirmed by 1 replica(s) within 300 ms"), std::string::npos)
      << lonely.message();
  auto unconfirmed_resume = pauses.resume("crm");
  ASSERT_FALSE(unconfirmed_resume.ok());
  EXPECT_EQ(unconfirmed_resume.code(), make_error_code(persistence_errc::timeout));
  EXPECT_NE(unconfirmed_resume.error().message().find("not confirmed by 1 replica(s)"),
            std::string::npos)
      << unconfirmed_resume.error().message();

  group_.server(1).start();
  const auto known = group_.wait_replica_known(1, 30s);
  ASSERT_TRUE(known) << known.failure;
  // With the replica back, the same calls are acknowledged. They may wait longer than 300 ms for
  // its confirmation: a replica that has just synced answers the master's first GETACK late on a
  // busy machine, which is not what this test is about.
  auto patient = options();
  patient.failover.replica_ack_timeout = 10s;
  redis_connection confirmed(patient);
  provider_pause_store confirmed_pauses(confirmed, key_space());
  auto paused = confirmed_pauses.pause("crm", "CRM maintenance", "cli", t0);
  ASSERT_TRUE(paused.ok()) << paused.to_string();
  // Acknowledged: the replica has it.
  EXPECT_TRUE(pause_on(group_, 1).paused);
  EXPECT_EQ(pause_on(group_, 1).reason, "CRM maintenance");
  auto resumed = confirmed_pauses.resume("crm");
  ASSERT_TRUE(resumed.ok()) << resumed.error().to_string();
  EXPECT_TRUE(*resumed);
  EXPECT_FALSE(pause_on(group_, 1).paused);
}

TEST_F(RedisFailover, SentinelsThatNameNothingUsableFailWithWhatEachSaid) {
  auto o = options();
  o.failover.master_name = "no-such-master";
  redis_connection unknown(o);
  auto s = unknown.connect();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), make_error_code(persistence_errc::unreachable));
  EXPECT_NE(s.message().find("knows no master 'no-such-master'"), std::string::npos) << s.message();

  connection_options closed;
  closed.connect_timeout = 200ms;
  closed.failover.master_name = group_.master_name();
  closed.failover.sentinels = {{"127.0.0.1", tixsync::testing::redis_server::free_port()}};
  redis_connection nowhere(closed);
  s = nowhere.connect();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), make_error_code(persistence_errc::unreachable));
  EXPECT_NE(s.message().find("no sentinel named the master"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("(3 attempts)"), std::string::npos)
      << "no sentinel answered: not waited for as a failover: " << s.message();
}

TEST(RedisAcl, AuthenticatesAsAnAclUserAndNamesARefusal) {
  tixsync::testing::redis_server server;
  connection_options admin;
  admin.port = server.port();
  redis_connection root(admin);
  auto set = root.command({"ACL", "SETUSER", "tixsync", "on", ">user-pw-1", "~*", "&*", "+@all"});
  ASSERT_TRUE(set.ok() && !set->is_error()) << (set.ok() ? set->str : set.error().to_string());

  connection_options user = admin;
  user.username = "tixsync";
  user.password = "user-pw-1";
  redis_connection good(user);
  auto who = good.command({"ACL", "WHOAMI"});
  ASSERT_TRUE(who.ok()) << who.error().to_string();
  EXPECT_EQ(who->str, "tixsync");

  user.password = "wrong-pw-2";
  redis_connection bad(user);
  auto refused = bad.connect();
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.code(), make_error_code(persistence_errc::auth_failed));
  EXPECT_NE(refused.message().find("WRONGPASS"), std::string::npos) << refused.message();
  EXPECT_EQ(refused.message().find("wrong-pw-2"), std::string::npos);
}

}  // namespace
}  // namespace tixsync::persistence
