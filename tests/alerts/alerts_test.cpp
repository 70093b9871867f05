// Alerts: grouping by provider and cause with counts, one message per group per interval (the
// rest summed up in the next), circuit openings and closings, and delivery to a loopback
// receiver (JSON with Slack's "text", order codes only); a receiver that fails is logged and
// counted, never retried.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <nlohmann/json.hpp>

#include "alerts/alert_groups.hpp"
#include "alerts/alert_sender.hpp"
#include "tests/alerts/alert_receiver.hpp"
#include "tests/support/eventually.hpp"

namespace tixsync::alerts {
namespace {

using std::chrono::milliseconds;
constexpr std::int64_t t0 = 1'700'000'000'000;

TEST(AlertGroups, GroupsByProviderAndCauseAndLimitsTheRate) {
  alert_groups groups("n1", milliseconds(60000));
  for (const char* code : {"A1", "A2", "A3"}) {
    groups.parked("crm", "exceeded", "http-503", "org/ev", code, t0);
  }
  groups.parked("crm", "config", "config", "org/ev", "B1", t0);
  groups.parked("mail", "exceeded", "http-503", "org/ev", "C1", t0);
  auto first = groups.due(t0 + 1);
  ASSERT_EQ(first.size(), 3u);
  const auto& crm503 = first[1].body;  // groups in key order: config, exceeded of crm, then mail
  EXPECT_EQ(crm503["provider"], "crm");
  EXPECT_EQ(crm503["cause"], "http-503");
  EXPECT_EQ(crm503["count"], 3);
  EXPECT_EQ(crm503["orders"], nlohmann::json({"org/ev/A1", "org/ev/A2", "org/ev/A3"}));
  EXPECT_NE(crm503["text"].get<std::string>().find("3 jobs of provider crm parked as exceeded"),
            std::string::npos);

  EXPECT_EQ(groups.suppressed(), 0u);  // the first events of a group wait for no interval
  for (int i = 0; i < 4; ++i) groups.parked("crm", "exceeded", "http-503", "org/ev", "D", t0 + 2);
  EXPECT_TRUE(groups.due(t0 + 30000).empty());  // within the interval: held back
  EXPECT_EQ(groups.suppressed(), 4u);
  auto next = groups.due(t0 + 60001);
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].body["count"], 4);
  EXPECT_NE(next[0].body["text"].get<std::string>().find("since the last message"),
            std::string::npos);
  EXPECT_TRUE(groups.due(t0 + 200000).empty());  // nothing new
}

TEST(AlertGroups, CircuitChangesAreOneGroupPerProvider) {
  alert_groups groups("n1", milliseconds(60000));
  groups.circuit("crm", true, t0);
  auto opened = groups.due(t0);
  ASSERT_EQ(opened.size(), 1u);
  EXPECT_EQ(opened[0].body["kind"], "circuit");
  EXPECT_EQ(opened[0].body["state"], "open");
  groups.circuit("crm", false, t0 + 1000);
  EXPECT_TRUE(groups.due(t0 + 1000).empty());
  auto closed = groups.due(t0 + 60000);
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_EQ(closed[0].body["state"], "closed");
  EXPECT_EQ(closed[0].body["changes"], nlohmann::json({"closed"}));
}

TEST(AlertGroups, GroupsAreBounded) {
  alert_groups groups("n1", milliseconds(1000), 2);
  groups.parked("a", "config", "x", "o/e", "1", t0);
  groups.parked("b", "config", "x", "o/e", "1", t0);
  groups.parked("c", "config", "x", "o/e", "1", t0);
  EXPECT_EQ(groups.due(t0).size(), 2u);
  EXPECT_EQ(groups.dropped(), 1u);
}

TEST(AlertSender, PostsGroupedMessagesAndCircuitChangesToTheReceiver) {
  testing::alert_receiver hook(200);
  std::mutex circuit_mutex;
  circuit_reading crm{"crm", true, 0};
  sender_options o;
  o.url = hook.url();
  o.node = "n1";
  o.min_interval = milliseconds(1000);
  o.tick = milliseconds(20);
  o.circuits = [&] {
    std::lock_guard<std::mutex> lock(circuit_mutex);
    return std::vector<circuit_reading>{crm};
  };
  alert_sender sender(o);
  for (const char* code : {"A1", "A2", "A3"}) {
    sender.parked("crm", "exceeded", "http-503", "org/ev", code);
  }
  // The three may span two ticks: then the second message (a second later) carries the rest.
  auto parked_total = [&] {
    int n = 0;
    for (const auto& b : hook.bodies()) n += b["kind"] == "jobs_parked" ? b["count"].get<int>() : 0;
    return n;
  };
  ASSERT_TRUE(tixsync::testing::eventually([&] { return parked_total() == 3; }));
  const auto first = hook.bodies()[0];
  EXPECT_EQ(first["kind"], "jobs_parked");
  EXPECT_EQ(first["provider"], "crm");
  EXPECT_EQ(first["node"], "n1");
  EXPECT_TRUE(first["text"].is_string());
  {
    std::lock_guard<std::mutex> lock(circuit_mutex);
    crm = {"crm", false, 1};
  }
  auto has = [&](const std::string& state) {
    for (const auto& b : hook.bodies()) {
      if (b["kind"] == "circuit" && b["state"] == state) return true;
    }
    return false;
  };
  ASSERT_TRUE(tixsync::testing::eventually([&] { return has("open"); }));
  {
    std::lock_guard<std::mutex> lock(circuit_mutex);
    crm = {"crm", true, 1};
  }
  ASSERT_TRUE(tixsync::testing::eventually([&] { return has("closed"); }));
  sender.stop();
  EXPECT_EQ(sender.stats().failed, 0u);
  EXPECT_EQ(sender.stats().sent, hook.bodies().size());
}

TEST(AlertSender, AReceiverThatFailsIsLoggedAndCountedNotRetried) {
  testing::alert_receiver hook(500);
  std::mutex log_mutex;
  std::vector<std::string> lines;
  sender_options o;
  o.url = hook.url();
  o.node = "n1";
  o.min_interval = milliseconds(60000);
  o.tick = milliseconds(20);
  o.log = [&](const std::string& line) {
    std::lock_guard<std::mutex> lock(log_mutex);
    lines.push_back(line);
  };
  alert_sender sender(o);
  sender.parked("crm", "config", "config", "org/ev", "A1");
  ASSERT_TRUE(tixsync::testing::eventually([&] { return sender.stats().failed == 1; }));
  sender.stop();
  EXPECT_EQ(hook.bodies().size(), 1u);  // not resent
  std::lock_guard<std::mutex> lock(log_mutex);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("HTTP 500"), std::string::npos) << lines[0];
  EXPECT_EQ(lines[0].find("t0k3n"), std::string::npos) << lines[0];  // the URL's secret path
}

}  // namespace
}  // namespace tixsync::alerts
