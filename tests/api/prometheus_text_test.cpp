// The Prometheus text writer, read back by the reference parser: families, label escaping,
// counters, gauges and histograms with cumulative buckets, _sum and _count.
#include "api/prometheus_text.hpp"

#include <gtest/gtest.h>

#include "tests/support/prometheus_parser.hpp"

namespace tixsync::api {
namespace {

TEST(prometheus_text, values_are_formatted_as_the_format_wants) {
  EXPECT_EQ(format_metric_value(3), "3");
  EXPECT_EQ(format_metric_value(0.25), "0.25");
  EXPECT_EQ(format_metric_value(1.0 / 0.0), "+Inf");
  EXPECT_EQ(format_metric_value(-1.0 / 0.0), "-Inf");
  EXPECT_EQ(escape_label_value("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
}

TEST(prometheus_text, the_reference_parser_reads_every_family_back) {
  prometheus_text out;
  out.family("tixsync_orders_synced_total", "counter", "Orders synced.\nPer provider.");
  out.sample("tixsync_orders_synced_total", {{"provider", "crm"}}, 42);
  out.sample("tixsync_orders_synced_total", {{"provider", "odd \"name\"\\x"}}, 1);
  out.family("tixsync_due_backlog", "gauge", "Due items");
  out.sample("tixsync_due_backlog", {{"provider", "crm"}, {"event", "org/ev"}}, 7);
  providers::latency_histogram h;
  h.record(std::chrono::microseconds(500));      // <= 1 ms
  h.record(std::chrono::microseconds(30'000));   // <= 50 ms
  h.record(std::chrono::microseconds(90'000'000));  // beyond 60 s: only +Inf
  out.family("tixsync_sync_latency_seconds", "histogram", "Enqueue to synced");
  out.histogram("tixsync_sync_latency_seconds", {{"provider", "crm"}}, h.snapshot());

  auto parsed = testing::parse_prometheus_text(out.text());
  ASSERT_TRUE(parsed.ok) << parsed.error << "\n" << out.text();
  EXPECT_EQ(parsed.types["tixsync_orders_synced"], "counter");
  EXPECT_EQ(parsed.types["tixsync_due_backlog"], "gauge");
  EXPECT_EQ(parsed.types["tixsync_sync_latency_seconds"], "histogram");
  EXPECT_EQ(parsed.value("tixsync_orders_synced_total{provider=crm}"), 42);
  EXPECT_EQ(parsed.value("tixsync_orders_synced_total{provider=odd \"name\"\\x}"), 1);
  EXPECT_EQ(parsed.value("tixsync_due_backlog{event=org/ev,provider=crm}"), 7);
  EXPECT_EQ(parsed.value("tixsync_sync_latency_seconds_bucket{le=0.001,provider=crm}"), 1);
  EXPECT_EQ(parsed.value("tixsync_sync_latency_seconds_bucket{le=0.05,provider=crm}"), 2);
  EXPECT_EQ(parsed.value("tixsync_sync_latency_seconds_bucket{le=60,provider=crm}"), 2);
  EXPECT_EQ(parsed.value("tixsync_sync_latency_seconds_bucket{le=+Inf,provider=crm}"), 3);
  EXPECT_EQ(parsed.value("tixsync_sync_latency_seconds_count{provider=crm}"), 3);
  EXPECT_NEAR(parsed.value("tixsync_sync_latency_seconds_sum{provider=crm}"), 90.0305, 1e-6);
}

TEST(prometheus_text, the_parser_rejects_broken_text) {
  auto parsed = testing::parse_prometheus_text("# TYPE x counter\nx{a=\"unterminated} 1\n");
  EXPECT_FALSE(parsed.ok);
}

}  // namespace
}  // namespace tixsync::api
