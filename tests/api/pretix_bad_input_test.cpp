// pretix answering what it should not, on the webhook path: HTML, a truncated page, a `next` to
// another host or back to a page already fetched, an order of another event or with another
// code, an event bundle that does not parse, an answer over the size bound, refusals, a timeout.
// Each webhook gets 503 (pretix retries), nothing is enqueued, one log line says what was fetched
// and why, and tixsync_pretix_fetch_failures_total counts the reason. An order over the order
// bound is refused for good: 200 and an audit entry per provider. A resync meeting a page loop
// fails the same way.
#include <mutex>

#include "tests/api/node_api_fixture.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/prometheus_parser.hpp"

namespace tixsync::api::testing {
namespace {

const std::string event_path = "/api/v1/organizers/nordlicht/events/ndd25/";

http_response json_text(const std::string& body) {
  return http_response::text(200, body, "application/json");
}

/// A list page of pretix with `results` and a `next` link.
http_response page(const nlohmann::json& results, const std::string& next) {
  return json_text(nlohmann::json{
      {"count", results.size()}, {"next", next}, {"previous", nullptr}, {"results", results}}
                       .dump());
}

/// The first test order (K3ZPA) as JSON.
nlohmann::json first_order() {
  return nlohmann::json::parse(tixsync::testing::read_test_data_lines("orders.jsonl").at(0));
}

class pretix_bad_input_test : public node_api_test {
 protected:
  void SetUp() override {
    tweak_options = [this](node_api_options& o) {
      o.shop_timeout = timeout_;
      o.shop_max_response_bytes = max_bytes_;
      o.log = [this](const std::string& line) {
        std::lock_guard<std::mutex> lock(log_mutex_);
        log_ += line + "\n";
      };
    };
    start_api(api_token, pretix_.url());
  }
  void TearDown() override {
    node_api_test::TearDown();
    pretix_.intercept = nullptr;
  }

  /// pretix's webhook for K3ZPA, a new notification each time.
  tixsync::testing::fetch_response webhook() {
    return post("/webhooks/pretix", nlohmann::json{{"notification_id", ++notification_},
                                                   {"organizer", "nordlicht"},
                                                   {"event", "ndd25"},
                                                   {"code", "K3ZPA"},
                                                   {"action", "pretix.event.order.paid"}}
                                        .dump());
  }
  /// tixsync_pretix_fetch_failures_total{reason}, or -1 when /metrics does not parse.
  double failures(const std::string& reason) {
    const auto metrics = tixsync::testing::parse_prometheus_text(get("/metrics").body);
    EXPECT_TRUE(metrics.ok) << metrics.error;
    return metrics.value("tixsync_pretix_fetch_failures_total{reason=" + reason + "}");
  }
  std::string log_text() {
    std::lock_guard<std::mutex> lock(log_mutex_);
    return log_;
  }
  /// The webhook answered 503 saying `why`, enqueued nothing, logged it once and counted it.
  void expect_refused(const tixsync::testing::fetch_response& r, const std::string& what,
                      const std::string& why, const std::string& reason) {
    EXPECT_EQ(r.status, 503) << r.body;
    EXPECT_NE(r.body.find("pretix: " + what + ": "), std::string::npos) << r.body;
    EXPECT_NE(r.body.find(why), std::string::npos) << r.body;
    EXPECT_NE(r.body.find("nothing was enqueued"), std::string::npos) << r.body;
    EXPECT_EQ(queued("crm"), 0);
    EXPECT_EQ(queued("diet"), 0);
    EXPECT_EQ(failures(reason), 1) << reason;
    const std::string line = "webhook for order nordlicht/ndd25/K3ZPA: " + what + ": ";
    const std::string log = log_text();
    EXPECT_NE(log.find(line), std::string::npos) << log;
    EXPECT_EQ(log.find(line), log.rfind(line)) << "one log line per failure:\n" << log;
    EXPECT_NE(log.find("(reason " + reason + ")"), std::string::npos) << log;
    EXPECT_EQ(log.find(shop_token), std::string::npos) << log;
  }

  fake_pretix pretix_;
  std::chrono::milliseconds timeout_{5000};
  std::size_t max_bytes_ = 16 * 1024 * 1024;
  int notification_ = 0;
  std::mutex log_mutex_;
  std::string log_;
};

TEST_F(pretix_bad_input_test, an_html_answer_is_named_as_html) {
  pretix_.intercept = [](const http_request& r) -> std::optional<http_response> {
    if (r.param("rest").rfind("orders/", 0) != 0) return std::nullopt;
    return http_response::text(200, "<!DOCTYPE html><html><body>Maintenance</body></html>",
                               "text/html; charset=utf-8");
  };
  expect_refused(webhook(), "fetching the order",
                 "pretix answered HTML, not JSON (Content-Type: text/html; charset=utf-8)",
                 "unreadable");
}

TEST_F(pretix_bad_input_test, a_truncated_page_is_named_as_truncated) {
  pretix_.intercept = [](const http_request& r) -> std::optional<http_response> {
    if (r.param("rest") != "items/") return std::nullopt;
    return json_text(R"({"count": 2, "next": null, "previous": null, "results": [{"id": 101, )");
  };
  expect_refused(webhook(), "fetching the items", "pretix's answer is truncated JSON",
                 "unreadable");
}

TEST_F(pretix_bad_input_test, a_next_page_on_another_host_is_not_followed) {
  pretix_.intercept = [](const http_request& r) -> std::optional<http_response> {
    if (r.param("rest") != "items/") return std::nullopt;
    return page(nlohmann::json::array(), "http://elsewhere.example" + event_path + "items/?page=2");
  };
  expect_refused(webhook(), "fetching the items", "pretix's next page is not under the shop URL",
                 "unreadable");
}

TEST_F(pretix_bad_input_test, a_page_loop_is_refused) {
  std::atomic<int> served{0};
  pretix_.intercept = [&](const http_request& r) -> std::optional<http_response> {
    if (r.param("rest") != "items/") return std::nullopt;
    ++served;
    // Page 2 links back to page 1 (as "?page=1"), which links to page 2 again.
    const bool second = r.query_param("page").value_or("1") == "2";
    return page(nlohmann::json::array(),
                pretix_.url() + event_path + "items/?page=" + (second ? "1" : "2"));
  };
  expect_refused(webhook(), "fetching the items",
                 "pretix's next page link repeats a page already fetched (a page loop)",
                 "unreadable");
  EXPECT_EQ(served, 3);
}

TEST_F(pretix_bad_input_test, an_order_of_another_event_is_refused) {
  pretix_.intercept = [](const http_request& r) -> std::optional<http_response> {
    if (r.param("rest").rfind("orders/", 0) != 0) return std::nullopt;
    auto order = first_order();
    order["event"] = "other25";
    return json_text(order.dump());
  };
  expect_refused(webhook(), "fetching the order",
                 "the order it sent cannot be used: event: the order belongs to event "
                 "'other25', not 'ndd25'",
                 "unreadable");
}

TEST_F(pretix_bad_input_test, an_order_with_another_code_is_refused) {
  pretix_.intercept = [](const http_request& r) -> std::optional<http_response> {
    if (r.param("rest").rfind("orders/", 0) != 0) return std::nullopt;
    auto order = first_order();
    order["code"] = "L7QXM";
    return json_text(order.dump());
  };
  expect_refused(webhook(), "fetching the order",
                 "the order it sent cannot be used: code: pretix sent order 'L7QXM', not 'K3ZPA'",
                 "unreadable");
}

TEST_F(pretix_bad_input_test, an_event_bundle_that_does_not_parse_is_refused) {
  pretix_.set_setting("name_scheme", "klingon");
  expect_refused(webhook(), "reading the event bundle",
                 "settings.name_scheme: unknown person name scheme 'klingon'", "unreadable");
}

TEST_F(pretix_bad_input_test, an_answer_over_the_size_bound_is_refused) {
  max_bytes_ = 64 * 1024;
  start_api(api_token, pretix_.url());
  pretix_.intercept = [](const http_request& r) -> std::optional<http_response> {
    if (!r.param("rest").empty()) return std::nullopt;
    return json_text(
        nlohmann::json{{"slug", "ndd25"}, {"padding", std::string(100000, 'x')}}.dump());
  };
  expect_refused(webhook(), "fetching the event", "body_too_large", "too_large");
}

TEST_F(pretix_bad_input_test, refusals_limits_timeouts_and_no_answer_are_counted_by_reason) {
  const std::vector<std::pair<int, std::string>> statuses = {
      {401, "refused_token"}, {403, "refused_token"}, {429, "rate_limited"}, {500, "http_status"}};
  for (const auto& [status, reason] : statuses) pretix_.status_override = status, webhook();
  pretix_.status_override = 0;
  EXPECT_EQ(failures("refused_token"), 2);
  EXPECT_EQ(failures("rate_limited"), 1);
  EXPECT_EQ(failures("http_status"), 1);

  timeout_ = std::chrono::milliseconds(300);
  start_api(api_token, pretix_.url());
  pretix_.delay = std::chrono::milliseconds(1500);
  EXPECT_EQ(webhook().status, 503);
  pretix_.delay = std::chrono::milliseconds(0);
  EXPECT_EQ(failures("timeout"), 1);

  start_api(api_token,
            "http://127.0.0.1:" + std::to_string(tixsync::testing::redis_server::free_port()));
  EXPECT_EQ(webhook().status, 503);
  EXPECT_EQ(failures("unreachable"), 1);
  EXPECT_EQ(queued("crm"), 0);
  // Every request is counted by outcome as well.
  const auto metrics = tixsync::testing::parse_prometheus_text(get("/metrics").body);
  EXPECT_EQ(metrics.value("tixsync_pretix_requests_total{outcome=network-error}"), 1);
}

TEST_F(pretix_bad_input_test, an_order_over_the_order_bound_is_refused_for_good_and_recorded) {
  auto order = first_order();
  order["comment"] = std::string(1100 * 1024, 'x');
  const std::string big = order.dump();
  pretix_.intercept = [&](const http_request& r) -> std::optional<http_response> {
    if (r.param("rest").rfind("orders/", 0) != 0) return std::nullopt;
    return json_text(big);
  };
  const std::string reason =
      "order too large: " + std::to_string(big.size()) + " bytes, limit 1 MiB";
  // pretix is not asked to retry an order that never fits.
  auto r = webhook();
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json_of(r)["refused"], reason);
  EXPECT_EQ(queued("crm"), 0);
  EXPECT_EQ(queued("diet"), 0);
  EXPECT_EQ(failures("too_large"), 1);
  EXPECT_NE(
      log_text().find("webhook for order nordlicht/ndd25/K3ZPA: fetching the order: " + reason),
      std::string::npos)
      << log_text();
  // The order lookup (and `tixsync explain`) shows why, for each provider that takes it.
  const auto lookup = json_of(get("/api/v1/orders/nordlicht/ndd25/K3ZPA"));
  ASSERT_EQ(lookup["providers"].size(), 1u) << lookup.dump();  // paid: "crm" only
  const auto& log = lookup["providers"][0]["log"];
  ASSERT_EQ(log.size(), 1u) << lookup.dump();
  EXPECT_EQ(log[0]["what"], "refused");
  EXPECT_EQ(log[0]["reason"], reason);
  EXPECT_EQ(log[0]["trigger"], "order_paid");

  // An answer over the answer bound is an order over the order bound as well.
  max_bytes_ = 64 * 1024;
  start_api(api_token, pretix_.url());
  r = webhook();
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json_of(r)["refused"], "order too large: more than 65536 bytes, limit 1 MiB");
  EXPECT_EQ(queued("crm"), 0);
}

TEST_F(pretix_bad_input_test, a_resync_meeting_a_page_loop_fails_and_says_so) {
  const std::string first = pretix_.url() + event_path + "orders/?include_canceled_positions=true";
  pretix_.intercept = [&](const http_request& r) -> std::optional<http_response> {
    if (r.param("rest") != "orders/") return std::nullopt;
    // Page 1 links to page 2, which links to page 1's own URL.
    const bool second = r.query_param("page").value_or("1") == "2";
    return page(nlohmann::json::array({first_order()}), second ? first : first + "&page=2");
  };
  auto r =
      post("/api/v1/resync",
           nlohmann::json{{"provider", "crm"}, {"event", event_id}, {"source", "pretix"}}.dump());
  ASSERT_EQ(r.status, 202) << r.body;
  const std::string job = json_of(r)["job"];
  nlohmann::json view;
  ASSERT_TRUE(tixsync::testing::eventually([&] {
    view = json_of(get("/api/v1/resync/" + job));
    return view.value("state", "") == "failed";
  })) << view.dump();
  EXPECT_EQ(view["error"]["status"], 502);
  EXPECT_NE(view["error"]["message"].get<std::string>().find("order list page 3: pretix's next "
                                                             "page link repeats a page already "
                                                             "fetched (a page loop)"),
            std::string::npos)
      << view.dump();
  EXPECT_EQ(failures("unreadable"), 1);
}

}  // namespace
}  // namespace tixsync::api::testing
