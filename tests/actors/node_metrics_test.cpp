// The per-provider sync metrics of a whole node: a sync_node whose sync_observer (the program's
// app::api_sync_observer) feeds a node_api, scraped over loopback and read by the reference
// Prometheus parser. After orders were synced, retried, parked as exceeded and as permanent,
// the counters agree with the queue in Redis and with the node's own node_stats, objects are
// counted by action, and the node's store connections show in the Redis round-trip histogram.
#include <gtest/gtest.h>

#include "actors/node.hpp"
#include "api/http_server.hpp"
#include "api/node_api.hpp"
#include "app/node_http.hpp"
#include "providers/example/example_providers.hpp"
#include "tests/actors/node_fixture.hpp"
#include "tests/actors/pretix_example_data.hpp"
#include "tests/actors/test_providers.hpp"
#include "tests/support/http_fetch.hpp"
#include "tests/support/prometheus_parser.hpp"

namespace tixsync::actors::testing {
namespace {

using persistence::item_state;
using providers::sync_error_kind;

class node_metrics : public node_fixture {
 protected:
  void SetUp() override {
    node_fixture::SetUp();
    put_event("dummy", example_event_json());
    api::node_api_options o;
    o.open_metrics = true;  // scraped without a token
    o.node_name = "n1";
    o.providers = {{"example2", "Example 2", "example", true}};
    o.redis = connection_of(options().redis);
    o.redis.command_timeout = std::chrono::milliseconds(2000);
    api_ = std::make_unique<api::node_api>(std::move(o));
    server_ = std::make_unique<api::http_server>(api::server_options{}, api_->routes());
    server_->start();
    observer_->attach(api_.get());
  }
  void TearDown() override {
    observer_->attach(nullptr);
    server_->stop();
    api_->stop();
  }

  std::unique_ptr<sync_node> start(std::shared_ptr<providers::provider> p) {
    auto o = options();
    o.observer = observer_;
    o.redis_round_trip = [observer = observer_](std::chrono::microseconds d) {
      observer->redis_round_trip(d);
    };
    auto node = std::make_unique<sync_node>(o, registry_of(std::move(p)));
    node->start();
    return node;
  }

  tixsync::testing::parsed_metrics scrape() {
    auto r = tixsync::testing::fetch("GET", server_->port(), "/metrics");
    EXPECT_EQ(r.status, 200) << r.body;
    auto parsed = tixsync::testing::parse_prometheus_text(r.body);
    EXPECT_TRUE(parsed.ok) << parsed.error;
    return parsed;
  }
  std::int64_t in_state(item_state state) {
    auto counts = queue().count("example2", now_ms());
    EXPECT_TRUE(counts.ok());
    auto it = counts->by_state.find(state);
    return it == counts->by_state.end() ? 0 : static_cast<std::int64_t>(it->second);
  }

  std::shared_ptr<app::api_sync_observer> observer_ = std::make_shared<app::api_sync_observer>();
  std::unique_ptr<api::node_api> api_;
  std::unique_ptr<api::http_server> server_;
};

TEST_F(node_metrics, counters_per_provider_agree_with_the_queue_and_the_node) {
  auto database = std::make_shared<providers::example::in_memory_database>();
  auto p = std::make_shared<wrapping_provider>(
      std::make_shared<providers::example::order_and_ticket_sync>(database));
  p->policy = fast_retry(2);
  auto node = start(p);

  // Synced: one order with its tickets, all created.
  enqueue("example2", "dummy", {{"2EEE", order_2eee_json()}});
  ASSERT_TRUE(
      wait_until([&] { return gone("example2", "dummy", "2EEE"); }, std::chrono::seconds(20)));
  // Retried once, then parked as exceeded.
  p->failure = providers::make_sync_error(sync_error_kind::recoverable, "Service unavailable",
                                          "503 from upstream", "http-503");
  p->mode = call_mode::fail;
  enqueue("example2", "dummy", {{"2EEE", order_2eee_json()}}, "order_paid");
  ASSERT_TRUE(
      wait_until([&] { return parked_as("example2", "dummy", "2EEE", item_state::exceeded); },
                 std::chrono::seconds(20)));
  // Parked as permanent at once.
  p->failure = providers::make_sync_error(sync_error_kind::unrecoverable, "Bad request");
  enqueue("example2", "dummy", {{"1AAA", order_1aaa_json(true)}});
  ASSERT_TRUE(
      wait_until([&] { return parked_as("example2", "dummy", "1AAA", item_state::permanent); },
                 std::chrono::seconds(20)));
  node->stop(std::chrono::seconds(5));  // the counters trail Redis until the node stopped
  const auto stats = node->stats();

  const auto m = scrape();
  EXPECT_EQ(m.types.at("tixsync_orders_synced"), "counter");
  EXPECT_EQ(m.value("tixsync_orders_synced_total{provider=example2}"), 1);
  EXPECT_EQ(m.value("tixsync_orders_synced_total{provider=example2}"),
            static_cast<double>(stats.orders_synced));
  EXPECT_EQ(m.value("tixsync_orders_retried_total{provider=example2}"), 1);
  EXPECT_EQ(m.value("tixsync_orders_retried_total{provider=example2}"),
            static_cast<double>(stats.orders_rescheduled));
  EXPECT_EQ(m.value("tixsync_orders_parked_total{provider=example2,reason=exceeded}"),
            in_state(item_state::exceeded));
  EXPECT_EQ(m.value("tixsync_orders_parked_total{provider=example2,reason=permanent}"),
            in_state(item_state::permanent));
  EXPECT_EQ(in_state(item_state::exceeded), 1);
  EXPECT_EQ(in_state(item_state::permanent), 1);
  EXPECT_EQ(m.value("tixsync_orders_parked_total{provider=example2,reason=config}"), 0);
  // Objects by action: the example provider reports "created"; the sum is what the node counted.
  double objects = 0;
  for (const char* action :
       {"created", "updated", "nothing_to_do", "synced", "unchanged", "empty"}) {
    const double v =
        m.value(std::string("tixsync_objects_total{action=") + action + ",provider=example2}");
    EXPECT_GE(v, 0) << action;
    objects += v;
  }
  EXPECT_GE(m.value("tixsync_objects_total{action=created,provider=example2}"), 1);
  EXPECT_EQ(objects, static_cast<double>(stats.objects_synced + stats.objects_unchanged +
                                         stats.objects_empty));
  // The node-wide families are still there.
  EXPECT_EQ(m.value("tixsync_node_orders_synced_total{node=n1}"), 0);  // no node_stats hook here
  // The node's store connections report their round trips.
  EXPECT_GT(m.value("tixsync_redis_roundtrip_seconds_count{client=node}"), 0);
  EXPECT_GT(m.value("tixsync_redis_roundtrip_seconds_count{client=api}"), 0);
}

TEST_F(node_metrics, change_detection_counts_unchanged_objects) {
  auto database = std::make_shared<providers::example::in_memory_database>();
  auto p = std::make_shared<wrapping_provider>(
      std::make_shared<providers::example::order_and_ticket_sync>(database));
  p->detect_changes = true;
  auto node = start(p);
  enqueue("example2", "dummy", {{"2EEE", order_2eee_json()}});
  ASSERT_TRUE(
      wait_until([&] { return gone("example2", "dummy", "2EEE"); }, std::chrono::seconds(20)));
  const auto first_calls = p->calls.load();
  enqueue("example2", "dummy", {{"2EEE", order_2eee_json()}}, "order_changed");
  ASSERT_TRUE(
      wait_until([&] { return gone("example2", "dummy", "2EEE"); }, std::chrono::seconds(20)));
  node->stop(std::chrono::seconds(5));
  const auto m = scrape();
  EXPECT_EQ(m.value("tixsync_orders_synced_total{provider=example2}"), 2);
  EXPECT_EQ(m.value("tixsync_objects_total{action=created,provider=example2}"),
            static_cast<double>(first_calls));
  EXPECT_EQ(m.value("tixsync_objects_total{action=unchanged,provider=example2}"),
            static_cast<double>(node->stats().objects_unchanged));
  EXPECT_GE(node->stats().objects_unchanged, 1u);
}

}  // namespace
}  // namespace tixsync::actors::testing
