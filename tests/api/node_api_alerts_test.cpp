// The alert webhook's deliveries in the node API's /metrics: no tixsync_alerts_* lines without an
// alert sender; with one, messages sent and not delivered and the events min_interval held back.
#include <chrono>

#include "alerts/alert_sender.hpp"
#include "api/node_api.hpp"
#include "tests/alerts/alert_receiver.hpp"
#include "tests/api/node_api_fixture.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/prometheus_parser.hpp"

namespace tixsync::api::testing {
namespace {

/// An alert sender to `url` that looks at its groups every 20 ms and sends one message per
/// group per minute.
std::shared_ptr<alerts::alert_sender> sender_to(const std::string& url) {
  alerts::sender_options o;
  o.url = url;
  o.node = "test-node";
  o.min_interval = std::chrono::minutes(1);
  o.tick = std::chrono::milliseconds(20);
  return std::make_shared<alerts::alert_sender>(o);
}

TEST_F(node_api_test, reports_no_alert_metrics_without_an_alert_sender) {
  auto metrics = tixsync::testing::parse_prometheus_text(get("/metrics").body);
  ASSERT_TRUE(metrics.ok) << metrics.error;
  EXPECT_EQ(metrics.types.count("tixsync_alerts_sent"), 0u);
}

TEST_F(node_api_test, reports_the_alert_webhooks_deliveries) {
  alerts::testing::alert_receiver hook(200);
  alerts::testing::alert_receiver failing(500);
  auto sender = sender_to(hook.url());
  auto failing_sender = sender_to(failing.url());
  api_->set_alert_stats([&] {
    auto s = sender->stats();
    s.failed += failing_sender->stats().failed;
    return s;
  });
  sender->parked("crm", "exceeded", "http-503", "nordlicht/ndd25", "A1");
  failing_sender->parked("crm", "config", "config", "nordlicht/ndd25", "B1");
  ASSERT_TRUE(tixsync::testing::eventually([&] { return sender->stats().sent == 1; }));
  ASSERT_TRUE(tixsync::testing::eventually([&] { return failing_sender->stats().failed == 1; }));
  // Within the minute: held back for the group's next message.
  sender->parked("crm", "exceeded", "http-503", "nordlicht/ndd25", "A2");
  sender->parked("crm", "exceeded", "http-503", "nordlicht/ndd25", "A3");

  auto metrics = tixsync::testing::parse_prometheus_text(get("/metrics").body);
  ASSERT_TRUE(metrics.ok) << metrics.error;
  EXPECT_EQ(metrics.types.at("tixsync_alerts_sent"), "counter");
  EXPECT_EQ(metrics.value("tixsync_alerts_sent_total{node=test-node}"), 1);
  EXPECT_EQ(metrics.value("tixsync_alerts_failed_total{node=test-node}"), 1);
  EXPECT_EQ(metrics.value("tixsync_alerts_suppressed_total{node=test-node}"), 2);
  EXPECT_EQ(metrics.value("tixsync_alerts_dropped_total{node=test-node}"), 0);
  sender->stop();
  failing_sender->stop();
  EXPECT_EQ(hook.bodies().size(), 1u);
}

}  // namespace
}  // namespace tixsync::api::testing
