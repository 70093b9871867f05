// Node heartbeats: a beat is listed as alive, expires into "gone" after its time-to-live, a
// graceful leave marks it gone at once, old index entries are forgotten, bad names are refused.
#include "persistence/node_registry.hpp"

#include <thread>

#include "tests/persistence/redis_fixture.hpp"

namespace tixsync::persistence::testing {
namespace {

class node_registry_test : public redis_fixture {
 protected:
  node_heartbeat make_beat(const std::string& name, std::int64_t at) {
    node_heartbeat b;
    b.name = name;
    b.host = "worker-host";
    b.pid = 4242;
    b.started_ms = at - 1000;
    b.beat_ms = at;
    b.concurrency = 64;
    b.in_flight = 7;
    b.synced = 1234;
    b.providers = {"crm", "mail"};
    b.http = "127.0.0.1:8080";
    return b;
  }
};

TEST_F(node_registry_test, a_beating_node_is_listed_alive_with_what_it_said) {
  node_registry nodes(connection(), key_space());
  ASSERT_TRUE(nodes.beat(make_beat("node-a", t0), std::chrono::seconds(30)).ok());
  ASSERT_TRUE(nodes.beat(make_beat("node-b", t0 + 5), std::chrono::seconds(30)).ok());
  auto listed = nodes.list(t0 + 10).value();
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].heartbeat.name, "node-b");  // newest first
  EXPECT_TRUE(listed[0].alive);
  const auto& a = listed[1].heartbeat;
  EXPECT_EQ(a.name, "node-a");
  EXPECT_EQ(a.host, "worker-host");
  EXPECT_EQ(a.pid, 4242);
  EXPECT_EQ(a.in_flight, 7);
  EXPECT_EQ(a.synced, 1234);
  EXPECT_EQ(a.providers, (std::vector<std::string>{"crm", "mail"}));
  EXPECT_EQ(a.http, "127.0.0.1:8080");
  EXPECT_EQ(connection().command({"TTL", "tixsync:node:node-a"}).value().integer > 0, true);
}

TEST_F(node_registry_test, a_node_that_stops_beating_is_listed_as_gone) {
  node_registry nodes(connection(), key_space());
  ASSERT_TRUE(nodes.beat(make_beat("node-a", t0), std::chrono::milliseconds(50)).ok());
  bool gone = false;
  for (int i = 0; i < 200 && !gone; ++i) {  // bounded: 200 x 20 ms
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    auto listed = nodes.list(t0 + 1).value();
    ASSERT_EQ(listed.size(), 1u);
    gone = !listed[0].alive;
  }
  EXPECT_TRUE(gone);
}

TEST_F(node_registry_test, leave_marks_the_node_gone_and_keeps_its_last_time) {
  node_registry nodes(connection(), key_space());
  ASSERT_TRUE(nodes.beat(make_beat("node-a", t0), std::chrono::seconds(30)).ok());
  ASSERT_TRUE(nodes.leave("node-a").ok());
  auto listed = nodes.list(t0 + 1).value();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_FALSE(listed[0].alive);
  EXPECT_EQ(listed[0].heartbeat.beat_ms, t0);
}

TEST_F(node_registry_test, nodes_not_seen_for_an_hour_are_forgotten) {
  node_registry nodes(connection(), key_space());
  ASSERT_TRUE(nodes.beat(make_beat("old", t0), std::chrono::seconds(30)).ok());
  ASSERT_TRUE(nodes.beat(make_beat("new", t0 + 3'600'000), std::chrono::seconds(30)).ok());
  auto listed = nodes.list(t0 + 3'600'001).value();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].heartbeat.name, "new");
}

TEST_F(node_registry_test, bad_names_and_ttls_are_refused_and_change_nothing) {
  node_registry nodes(connection(), key_space());
  auto bad = make_beat("no spaces", t0);
  EXPECT_EQ(nodes.beat(bad, std::chrono::seconds(30)).code(), persistence_errc::invalid_identifier);
  EXPECT_EQ(nodes.beat(make_beat("ok", t0), std::chrono::milliseconds(0)).code(),
            persistence_errc::invalid_argument);
  EXPECT_TRUE(nodes.list(t0).value().empty());
}

}  // namespace
}  // namespace tixsync::persistence::testing
