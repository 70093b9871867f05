// The metrics of an HTTP provider's guard in the node API: circuit state, admitted calls, the
// external request latency histogram measured by the guard around each call of the provider, and
// the provider's HTTP requests by outcome, the rate tokens of batch calls and the quotas the
// destination announced.
#include <atomic>

#include "api/node_api.hpp"
#include "providers/guard/guarded_provider.hpp"
#include "providers/http/rate_limit_headers.hpp"
#include "providers/http/request_tally.hpp"
#include "tests/api/node_api_fixture.hpp"
#include "tests/providers/guard/guard_test_support.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/prometheus_parser.hpp"

namespace tixsync::api::testing {
namespace {

using providers::guard::testing::result_log;
using providers::guard::testing::scripted_provider;

TEST_F(node_api_test, reports_the_guard_of_an_http_provider) {
  auto inner = std::make_shared<scripted_provider>();
  // The HTTP client counts its requests by outcome into the tally the guard reports.
  auto tally = std::make_shared<providers::http::request_tally>();
  using providers::http::request_outcome;
  for (auto outcome : {request_outcome::status_2xx, request_outcome::status_2xx,
                       request_outcome::status_5xx, request_outcome::timeout}) {
    tally->add(outcome);
  }
  // The client's pool gauges: 3 connections, 2 requests waiting for one.
  tally->add_connections(3);
  tally->add_waiting(2);
  providers::guard::guard_options options;
  options.http_requests = tally;
  auto guard = std::make_shared<providers::guard::guarded_provider>(options, inner);
  guards = {{"crm", guard}};
  start_api(api_token, "");
  result_log results(3);
  for (std::size_t i = 0; i < 3; ++i)
    guard->sync_object(providers::object_request{}, results.completion_for(i));
  ASSERT_EQ(results.delivered(), 3u);

  auto metrics = tixsync::testing::parse_prometheus_text(get("/metrics").body);
  ASSERT_TRUE(metrics.ok) << metrics.error;
  EXPECT_EQ(metrics.value("tixsync_external_request_seconds_count{provider=crm}"), 3);
  EXPECT_EQ(metrics.value("tixsync_guard_admitted_total{provider=crm}"), 3);
  EXPECT_EQ(metrics.value("tixsync_circuit_state{provider=crm}"), 0);
  EXPECT_EQ(metrics.types.at("tixsync_http_requests"), "counter");
  EXPECT_EQ(metrics.value("tixsync_http_requests_total{outcome=2xx,provider=crm}"), 2);
  EXPECT_EQ(metrics.value("tixsync_http_requests_total{outcome=5xx,provider=crm}"), 1);
  EXPECT_EQ(metrics.value("tixsync_http_requests_total{outcome=timeout,provider=crm}"), 1);
  EXPECT_EQ(metrics.value("tixsync_http_requests_total{outcome=4xx,provider=crm}"), 0);
  EXPECT_EQ(metrics.value("tixsync_http_requests_total{outcome=network-error,provider=crm}"), 0);
  EXPECT_EQ(metrics.types.at("tixsync_http_connections"), "gauge");
  EXPECT_EQ(metrics.value("tixsync_http_connections{provider=crm}"), 3);
  EXPECT_EQ(metrics.value("tixsync_http_waiting_requests{provider=crm}"), 2);
  auto overview = json_of(get("/api/v1/overview"));
  EXPECT_EQ(overview["providers"][0]["circuit"], "closed");
  server_->stop();
  guard->close();
}

TEST_F(node_api_test, reports_the_paced_batch_calls_and_the_announced_quotas) {
  auto inner = std::make_shared<scripted_provider>();
  auto board = std::make_shared<providers::http::quota_board>();
  providers::guard::guard_options options;
  options.limits.rate = 1000;
  options.limits.burst = 10;
  options.limits.shared = true;
  options.fleet = providers::guard::fleet_options{connection(), "metrics"};
  options.announced_quota = board;
  options.batched_types = {""};  // the type of object_request{}
  auto guard = std::make_shared<providers::guard::guarded_provider>(options, inner);
  guards = {{"crm", guard}};
  start_api(api_token, "");
  // Two answers announce the quota; the next take from the fleet's bucket applies the latest.
  providers::http::http_response announcing;
  announcing.status = 200;
  announcing.headers = {{"RateLimit-Policy", "\"app\";q=100;w=10"},
                        {"RateLimit", "\"app\";r=90;t=5"}};
  board->observe(announcing);
  board->observe(announcing);
  std::atomic<int> sent{0};
  for (int i = 0; i < 2; ++i) {
    guard->pace_call([&sent](std::optional<providers::sync_error> refusal) {
      if (!refusal) ++sent;
    });
  }
  ASSERT_TRUE(tixsync::testing::eventually([&] { return sent.load() == 2; }));

  auto metrics = tixsync::testing::parse_prometheus_text(get("/metrics").body);
  ASSERT_TRUE(metrics.ok) << metrics.error;
  EXPECT_EQ(metrics.types.at("tixsync_guard_paced_calls"), "counter");
  EXPECT_EQ(metrics.value("tixsync_guard_paced_calls_total{outcome=sent,provider=crm}"), 2);
  EXPECT_EQ(metrics.value("tixsync_guard_paced_calls_total{outcome=local-rate-limit,provider=crm}"),
            0);
  EXPECT_EQ(metrics.value("tixsync_guard_quota_announcements_total{provider=crm}"), 2);
  EXPECT_EQ(metrics.value("tixsync_guard_quota_applied_total{provider=crm}"), 1);
  EXPECT_EQ(metrics.value("tixsync_guard_admitted_total{provider=crm}"), 0);
  server_->stop();
  guard->close();
}

}  // namespace
}  // namespace tixsync::api::testing
