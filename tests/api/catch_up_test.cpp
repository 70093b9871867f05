// Catch-up polling against the stand-in pretix and a real Redis: the first poll only notes
// pretix's time (older orders are not enqueued) unless catch_up_from asks for a backfill; a changed
// order is enqueued with trigger catch_up and the cursor moves; more than one page of changes;
// pretix failing mid-pages keeps the cursor, and so does an order of another event; two pollers on
// one Redis poll an event once per interval; a dead poller's lease lapses and another takes over;
// every event of the organizer.
#include <gtest/gtest.h>

#include "persistence/catch_up_store.hpp"
#include "persistence/snapshot_store.hpp"
#include "tests/api/node_api_fixture.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/prometheus_parser.hpp"

namespace tixsync::api::testing {
namespace {

using std::chrono::milliseconds;
using tixsync::testing::eventually;

class catch_up_test : public node_api_test {
 protected:
  void SetUp() override {}

  /// Starts the API polling ndd25 every `interval` (backfilling from `from` when set).
  void start(milliseconds interval, const std::string& from = "") {
    tweak_options = [this, interval, from](node_api_options& o) {
      o.catch_up_interval = interval;
      o.catch_up_events = {"ndd25"};
      o.catch_up_from = from;
      o.log = [this](const std::string& line) {
        std::lock_guard<std::mutex> lock(log_mutex_);
        log_ += line + "\n";
      };
      if (more_options) more_options(o);
    };
    start_api(api_token, pretix_.url());
  }
  /// The catch-up view of ndd25 (null when not listed).
  nlohmann::json view() {
    auto body = json_of(get("/api/v1/catch-up"));
    if (!body.is_object() || !body["events"].is_array()) return nullptr;
    for (const auto& e : body["events"]) {
      if (e["event"] == event_id) return e;
    }
    return nullptr;
  }
  std::string cursor() {
    auto v = view();
    return v.is_object() && v["cursor"].is_string() ? v["cursor"].get<std::string>() : "";
  }
  /// The trigger of the crm queue item of `code` ("" when none).
  std::string trigger_of(const std::string& code) {
    auto order = json_of(get("/api/v1/orders/nordlicht/ndd25/" + code));
    if (!order.is_object() || !order["providers"].is_array()) return "";
    for (const auto& p : order["providers"]) {
      if (p["provider"] == "crm" && !p["items"].empty()) return p["items"][0]["trigger"];
    }
    return "";
  }
  std::string log() {
    std::lock_guard<std::mutex> lock(log_mutex_);
    return log_;
  }
  /// `n` more orders of ndd25, changed now.
  void add_orders(int n) {
    const auto model = nlohmann::json::parse(orders().front());
    for (int i = 0; i < n; ++i) {
      auto order = model;
      order["code"] = "C" + std::to_string(1000 + i);
      order["datetime"] =
          "2025-06-01T10:" + std::string(i % 60 < 10 ? "0" : "") + std::to_string(i % 60) + ":00Z";
      order["last_modified"] = pretix_event_resources::now_iso();
      pretix_.add_order(order);
    }
  }

  fake_pretix pretix_;
  std::function<void(node_api_options&)> more_options;
  std::mutex log_mutex_;
  std::string log_;
};

TEST_F(catch_up_test, the_first_poll_starts_now_and_a_changed_order_is_enqueued_as_catch_up) {
  start(milliseconds(300));
  ASSERT_TRUE(eventually([&] { return !cursor().empty(); })) << get("/api/v1/catch-up").body;
  EXPECT_EQ(view()["last_outcome"], "started");
  // Every served order was modified before the first poll: none is enqueued.
  EXPECT_EQ(queued("crm"), 0);
  const std::string first = cursor();

  pretix_.touch_order("L7QXM", [](nlohmann::json& o) { o["email"] = "new@example.org"; });
  ASSERT_TRUE(eventually([&] { return queued("crm") == 1; })) << log();
  EXPECT_EQ(trigger_of("L7QXM"), "catch_up");
  EXPECT_EQ(queued("diet"), 0);  // "diet" takes order_placed only
  // The order as listed is its snapshot, the event stored beside it.
  persistence::redis_connection c(connection());
  persistence::snapshot_store snapshots(c);
  EXPECT_NE(snapshots.get_order(event_id, "L7QXM").value().value_or("").find("new@example.org"),
            std::string::npos);
  EXPECT_TRUE(snapshots.get_event(event_id).value().has_value());
  ASSERT_TRUE(eventually([&] { return cursor() > first && view()["last_outcome"] == "ok"; }));
  EXPECT_EQ(queued("crm"), 1);
}

TEST_F(catch_up_test, catch_up_from_backfills_an_event_without_a_cursor) {
  start(milliseconds(60000), "2025-01-01T00:00:00+01:00");
  ASSERT_TRUE(eventually([&] { return !cursor().empty(); })) << log();
  EXPECT_EQ(view()["last_outcome"], "ok");
  EXPECT_EQ(queued("crm"), static_cast<std::int64_t>(orders().size()));
  EXPECT_EQ(trigger_of("K3ZPA"), "catch_up");
}

TEST_F(catch_up_test, more_than_fifty_changed_orders_are_paged_through) {
  add_orders(120);
  start(milliseconds(60000), "2025-01-01T00:00:00Z");
  ASSERT_TRUE(eventually([&] { return !cursor().empty(); })) << log();
  EXPECT_EQ(queued("crm"), static_cast<std::int64_t>(orders().size()) + 120);
  EXPECT_EQ(pretix_.list_requests, 3);  // 140 orders: 50 + 50 + 40
  const auto metrics = tixsync::testing::parse_prometheus_text(get("/metrics").body);
  ASSERT_TRUE(metrics.ok) << metrics.error;
  EXPECT_EQ(metrics.value("tixsync_catch_up_orders_enqueued_total{event=nordlicht/ndd25}"), 140);
  EXPECT_EQ(metrics.value("tixsync_catch_up_polls_total{event=nordlicht/ndd25,outcome=ok}"), 1);
  EXPECT_GE(metrics.value("tixsync_catch_up_cursor_age_seconds{event=nordlicht/ndd25}"), 0);
}

TEST_F(catch_up_test, pretix_failing_mid_pages_keeps_the_cursor_and_the_next_poll_repeats) {
  add_orders(120);
  pretix_.failing_list_page = 2;
  start(milliseconds(300), "2025-01-01T00:00:00Z");
  ASSERT_TRUE(eventually([&] {
    auto v = view();
    return v.is_object() && v["last_outcome"] == "failed";
  })) << log();
  EXPECT_EQ(cursor(), "");
  EXPECT_EQ(queued("crm"), 50);  // the first page; enqueued again by the next poll, harmlessly
  EXPECT_NE(view()["last_error"].get<std::string>().find("HTTP 500"), std::string::npos);
  EXPECT_NE(log().find("catch-up of nordlicht/ndd25 failed: pretix: order list page 2"),
            std::string::npos)
      << log();

  pretix_.failing_list_page = 0;
  ASSERT_TRUE(eventually([&] { return !cursor().empty(); })) << log();
  EXPECT_EQ(queued("crm"), static_cast<std::int64_t>(orders().size()) + 120);
  const auto metrics = tixsync::testing::parse_prometheus_text(get("/metrics").body);
  ASSERT_TRUE(metrics.ok) << metrics.error;
  EXPECT_GE(metrics.value("tixsync_catch_up_polls_total{event=nordlicht/ndd25,outcome=failed}"), 1);
}

TEST_F(catch_up_test,
       an_order_of_another_event_fails_the_poll_and_nothing_of_its_page_is_enqueued) {
  start(milliseconds(300));
  ASSERT_TRUE(eventually([&] { return !cursor().empty(); })) << log();
  const std::string first = cursor();
  pretix_.touch_order("L7QXM");
  pretix_.touch_order("K3ZPA", [](nlohmann::json& o) { o["event"] = "other"; });
  ASSERT_TRUE(eventually([&] {
    auto v = view();
    return v.is_object() && v["last_outcome"] == "failed";
  })) << log();
  EXPECT_EQ(cursor(), first);
  EXPECT_EQ(queued("crm"), 0);
  EXPECT_NE(view()["last_error"].get<std::string>().find(
                "event: the order belongs to event 'other', not 'ndd25'"),
            std::string::npos)
      << view().dump();
  EXPECT_NE(log().find("catch-up of nordlicht/ndd25 failed: order list page 1 results["),
            std::string::npos)
      << log();
}

TEST_F(catch_up_test, two_pollers_on_one_redis_poll_an_event_once_per_interval) {
  const milliseconds interval(1000);
  start(interval);
  node_api_options other;
  other.node_name = "other-node";
  other.providers = {{"crm", "Example CRM", "example", true}};
  other.providers_for = [](const std::string&, const std::string&) {
    return std::vector<std::string>{"crm"};
  };
  other.redis = connection();
  other.shop_url = pretix_.url();
  other.shop_organizer = "nordlicht";
  other.shop_token = shop_token;
  other.catch_up_interval = interval;
  other.catch_up_events = {"ndd25"};
  node_api second(std::move(other));

  ASSERT_TRUE(eventually([&] { return pretix_.list_requests >= 4; }));
  second.stop();
  const auto times = pretix_.list_request_times();
  for (std::size_t i = 1; i < times.size(); ++i) {
    // Both nodes are due every interval; the lease's due time (on Redis's clock) lets one poll.
    // (Half of it: a request reaches the stand-in a little after its lease was taken.)
    EXPECT_GE(times[i] - times[i - 1], interval / 2) << "poll " << i;
  }
}

TEST_F(catch_up_test, a_dead_pollers_lease_lapses_and_another_takes_over) {
  persistence::redis_connection c(connection());
  persistence::catch_up_store store(c, persistence::key_space());
  auto dead = store.take(event_id, "dead-node#1", milliseconds(1), milliseconds(3000));
  ASSERT_TRUE(dead.ok()) << dead.error().to_string();
  const auto lease = std::get<persistence::catch_up_lease>(*dead);

  start(milliseconds(200));
  ASSERT_TRUE(eventually([&] { return view().is_object(); }));
  const int before = pretix_.list_requests;
  // While the dead node's lease holds, nobody polls.
  if (store.read(event_id).value().holder == lease.token) EXPECT_EQ(before, 0);
  EXPECT_EQ(view()["polling_now"], "dead-node#1");

  ASSERT_TRUE(eventually([&] { return !cursor().empty(); })) << log();
  EXPECT_GE(pretix_.list_requests, 1);
  // The dead node comes back: its lease is gone, it stores nothing.
  EXPECT_FALSE(store.finish(event_id, lease, "ok", "", "2099-01-01T00:00:00Z").value());
  EXPECT_NE(cursor(), "2099-01-01T00:00:00Z");
}

TEST_F(catch_up_test, every_event_of_the_organizer_is_polled_when_asked) {
  more_options = [](node_api_options& o) {
    o.catch_up_events.clear();
    o.catch_up_all_events = true;
  };
  start(milliseconds(60000));
  ASSERT_TRUE(eventually([&] { return !cursor().empty(); })) << log();
  auto body = json_of(get("/api/v1/catch-up"));
  EXPECT_EQ(body["all_events"], true);
  EXPECT_EQ(body["events"].size(), 1u) << body.dump();
}

}  // namespace
}  // namespace tixsync::api::testing
