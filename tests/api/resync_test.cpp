// POST /api/v1/resync with "source": "pretix" against a fake pretix on loopback that pages its
// orders list (`next` links, a few orders per page): every page's orders stored and queued with
// trigger `resync` as a background job; pretix down, a wrong token, an unreadable page, a failing
// later page, a `next` off the shop URL and the page limit each give a clear error that says what
// was already queued.
#include <thread>

#include "api/node_api.hpp"
#include "persistence/snapshot_store.hpp"
#include "tests/api/node_api_fixture.hpp"

namespace tixsync::api::testing {
namespace {

/// pretix with the event of tests/data/event.json and the first `order_count` orders of
/// orders.jsonl, listed `page_size` per page.
class paged_pretix {
 public:
  paged_pretix(std::size_t order_count, std::size_t page_size) : page_size_(page_size) {
    const auto bundle = nlohmann::json::parse(tixsync::testing::read_test_data("event.json"));
    resources_ = std::make_unique<pretix_event_resources>(
        bundle, "/api/v1/organizers/nordlicht/events/ndd25/");
    const auto lines = tixsync::testing::read_test_data_lines("orders.jsonl");
    for (std::size_t i = 0; i < order_count && i < lines.size(); ++i) {
      orders_.push_back(nlohmann::json::parse(lines[i]));
    }
    router routes;
    routes.add_sync("GET", "/api/v1/organizers/{org}/events/{ev}/{rest...}",
                    [this](const http_request& r) { return answer(r); });
    server_ = std::make_unique<http_server>(server_options{}, std::move(routes));
    server_->start();
  }
  ~paged_pretix() { server_->stop(); }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }
  std::size_t pages() const { return (orders_.size() + page_size_ - 1) / page_size_; }

  std::atomic<int> failing_page{0};       ///< this page answers 500
  std::atomic<int> garbled_page{0};       ///< this page is not JSON
  std::atomic<bool> foreign_next{false};  ///< page 1 links to another host
  std::atomic<int> order_pages_served{0};

 private:
  static std::string list(const nlohmann::json& results, const std::string& next) {
    return nlohmann::json{{"count", results.size()},
                          {"next", next.empty() ? nlohmann::json(nullptr) : nlohmann::json(next)},
                          {"previous", nullptr},
                          {"results", results}}
        .dump();
  }

  /// pretix's `next` keeps the list's query.
  static std::string kept_query(const http_request& r) {
    auto flag = r.query_param("include_canceled_positions");
    return flag ? "include_canceled_positions=" + *flag + "&" : "";
  }

  http_response answer(const http_request& r) {
    if (r.header("Authorization").value_or("") != "Token " + shop_token) {
      return error_response(401, "Invalid token.");
    }
    if (r.param("org") != "nordlicht" || r.param("ev") != "ndd25")
      return error_response(404, "Not found.");
    auto json = [](const std::string& body) {
      return http_response::text(200, body, "application/json");
    };
    const std::string& rest = r.param("rest");
    if (auto resource = resources_->answer(rest, r, url())) return *resource;
    if (rest != "orders/") return error_response(404, "Not found.");
    const int page = std::stoi(r.query_param("page").value_or("1"));
    ++order_pages_served;
    if (page == failing_page) return error_response(500, "Internal server error.");
    if (page == garbled_page) return json("<html>maintenance</html>");
    nlohmann::json results = nlohmann::json::array();
    for (std::size_t i = (page - 1) * page_size_; i < orders_.size() && i < page * page_size_;
         ++i) {
      results.push_back(
          nlohmann::json::parse(pretix_event_resources::order_as_served(orders_[i], r)));
    }
    std::string next;
    if (static_cast<std::size_t>(page) < pages()) {
      next = (foreign_next ? std::string("http://elsewhere.example") : url()) +
             "/api/v1/organizers/nordlicht/events/ndd25/orders/?" + kept_query(r) +
             "page=" + std::to_string(page + 1);
    }
    return json(list(results, next));
  }

  std::size_t page_size_;
  std::unique_ptr<pretix_event_resources> resources_;
  std::vector<nlohmann::json> orders_;
  std::unique_ptr<http_server> server_;
};

class resync_test : public node_api_test {
 protected:
  void SetUp() override { start_api(api_token, pretix_.url()); }

  tixsync::testing::fetch_response start(const std::string& provider = "crm") {
    return post(
        "/api/v1/resync",
        nlohmann::json{{"provider", provider}, {"event", event_id}, {"source", "pretix"}}.dump());
  }
  /// Polls the job until it is no longer running (20 s at most); its last view.
  nlohmann::json finished(const std::string& job) {
    nlohmann::json view;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    do {
      auto r = get("/api/v1/resync/" + job);
      EXPECT_EQ(r.status, 200) << r.body;
      view = json_of(r);
      if (view.value("state", "") != "running") break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    } while (std::chrono::steady_clock::now() < deadline);
    return view;
  }

  paged_pretix pretix_{7, 2};  // 4 pages: 2, 2, 2, 1 orders
};

TEST_F(resync_test, pages_through_every_order_and_queues_it_with_trigger_resync) {
  auto r = start();
  ASSERT_EQ(r.status, 202) << r.body;
  const auto first = json_of(r);
  EXPECT_EQ(first["provider"], "crm");
  EXPECT_EQ(first["event"], event_id);
  EXPECT_GE(first["pages"], 1);  // the first page is queued before the answer
  const auto done = finished(first["job"].get<std::string>());
  EXPECT_EQ(done["state"], "done") << done.dump();
  EXPECT_EQ(done["pages"], 4);
  EXPECT_EQ(done["queued"], 7);
  EXPECT_EQ(done["skipped"], 0);
  EXPECT_TRUE(done["error"].is_null());
  EXPECT_EQ(queued("crm"), 7);
  EXPECT_EQ(queued("diet"), 0);
  // Snapshots stored: the event's and each order's (so the sync and sync-now can use them).
  auto order = json_of(get("/api/v1/orders/nordlicht/ndd25/K3ZPA"));
  EXPECT_EQ(order["providers"][0]["items"][0]["trigger"], "resync");
  EXPECT_EQ(post("/api/v1/orders/nordlicht/ndd25/K3ZPA/sync-now", R"({"provider":"diet"})").status,
            202);
  persistence::redis_connection c(connection());
  persistence::snapshot_store snapshots(c);
  auto event = snapshots.get_event(event_id);
  ASSERT_TRUE(event.ok());
  EXPECT_TRUE(event->has_value());
  // Queuing again is harmless: the same items are updated, not doubled.
  auto again = start();
  ASSERT_EQ(again.status, 202) << again.body;
  EXPECT_EQ(finished(json_of(again)["job"].get<std::string>())["queued"], 7);
  EXPECT_EQ(queued("crm"), 7);
}

TEST_F(resync_test, a_wrong_shop_token_is_a_502_and_queues_nothing) {
  tweak_options = [](node_api_options& o) { o.shop_token = "wrong"; };
  start_api(api_token, pretix_.url());
  auto r = start();
  EXPECT_EQ(r.status, 502) << r.body;
  EXPECT_NE(r.body.find("refused the shop token"), std::string::npos) << r.body;
  EXPECT_EQ(r.body.find("wrong"), std::string::npos) << "the token must not be shown: " << r.body;
  EXPECT_EQ(json_of(r)["queued"], 0);
  EXPECT_EQ(queued("crm"), 0);
}

TEST_F(resync_test, pretix_down_is_a_503_and_queues_nothing) {
  start_api(api_token,
            "http://127.0.0.1:" + std::to_string(tixsync::testing::redis_server::free_port()));
  auto r = start();
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_NE(r.body.find("unreachable"), std::string::npos) << r.body;
  EXPECT_EQ(queued("crm"), 0);
}

TEST_F(resync_test, an_unreadable_first_page_is_a_502) {
  pretix_.garbled_page = 1;
  auto r = start();
  EXPECT_EQ(r.status, 502) << r.body;
  EXPECT_NE(r.body.find("order list page 1"), std::string::npos) << r.body;
  EXPECT_EQ(queued("crm"), 0);
}

TEST_F(resync_test, a_failing_later_page_ends_the_job_and_says_what_was_queued) {
  pretix_.failing_page = 3;
  auto r = start();
  ASSERT_EQ(r.status, 202) << r.body;
  const auto done = finished(json_of(r)["job"].get<std::string>());
  EXPECT_EQ(done["state"], "failed") << done.dump();
  EXPECT_EQ(done["pages"], 2);
  EXPECT_EQ(done["queued"], 4);
  EXPECT_EQ(done["error"]["status"], 502);
  const std::string message = done["error"]["message"];
  EXPECT_NE(message.find("order list page 3"), std::string::npos) << message;
  EXPECT_NE(message.find("HTTP 500"), std::string::npos) << message;
  EXPECT_NE(message.find("4 orders of 2 pages were queued"), std::string::npos) << message;
  EXPECT_EQ(queued("crm"), 4);
}

TEST_F(resync_test, a_next_link_off_the_shop_url_is_not_followed) {
  pretix_.foreign_next = true;
  auto r = start();
  // The token would go to another host: the page is refused as a whole, nothing is queued.
  EXPECT_EQ(r.status, 502) << r.body;
  EXPECT_NE(r.body.find("not under the shop URL"), std::string::npos) << r.body;
  EXPECT_EQ(pretix_.order_pages_served, 1);
  EXPECT_EQ(queued("crm"), 0);
}

TEST_F(resync_test, the_page_limit_ends_the_job) {
  tweak_options = [](node_api_options& o) { o.resync_max_pages = 2; };
  start_api(api_token, pretix_.url());
  auto r = start();
  ASSERT_EQ(r.status, 202) << r.body;
  const auto done = finished(json_of(r)["job"].get<std::string>());
  EXPECT_EQ(done["state"], "failed");
  EXPECT_EQ(done["queued"], 4);
  EXPECT_NE(done["error"]["message"].get<std::string>().find("limit of 2"), std::string::npos);
  EXPECT_EQ(pretix_.order_pages_served, 2);
}

TEST_F(resync_test, needs_the_token_a_shop_and_the_shop_organizer) {
  EXPECT_EQ(post("/api/v1/resync",
                 R"({"provider":"crm","event":"nordlicht/ndd25","source":"pretix"})", "")
                .status,
            401);
  EXPECT_EQ(
      post("/api/v1/resync", R"({"provider":"crm","event":"elsewhere/ndd25","source":"pretix"})")
          .status,
      422);
  EXPECT_EQ(get("/api/v1/resync/nope").status, 404);
  start_api(api_token, "");
  EXPECT_EQ(start().status, 422);
}

/// pretix with the first 11 orders on one page: one has a position cancelled on its own, one a
/// voucher.
class resync_all_positions_test : public resync_test {
 protected:
  void SetUp() override { start_api(api_token, all_.url()); }
  paged_pretix all_{11, 50};
};

TEST_F(resync_all_positions_test, keeps_cancelled_positions_and_fetches_referenced_vouchers) {
  auto r = start();
  ASSERT_EQ(r.status, 202) << r.body;
  const auto done = finished(json_of(r)["job"].get<std::string>());
  ASSERT_EQ(done["state"], "done") << done.dump();
  persistence::redis_connection c(connection());
  persistence::snapshot_store snapshots(c);
  auto order = snapshots.get_order(event_id, "U7JCV");
  ASSERT_TRUE(order.ok() && order->has_value());
  const auto positions = nlohmann::json::parse(**order)["positions"];
  ASSERT_EQ(positions.size(), 2u) << positions.dump();
  EXPECT_EQ(positions[1]["canceled"], true);
  auto event = snapshots.get_event(event_id);
  ASSERT_TRUE(event.ok() && event->has_value());
  const auto vouchers = nlohmann::json::parse(**event)["vouchers"];
  ASSERT_EQ(vouchers.size(), 1u) << vouchers.dump();
  EXPECT_EQ(vouchers[0]["code"], "SPEAKER25");
}

}  // namespace
}  // namespace tixsync::api::testing
