// pretix's webhook against a fake pretix on loopback: the order and event are fetched with the
// shop token and the order enqueued; unknown actions and missing orders are ignored with 200;
// pretix down, answering 5xx or refusing the token gives 503 and nothing enqueued. Replays of a
// notification are coalesced through Redis; "." and ".." never reach pretix's URLs; the webhook
// token is separate from the API token; only the configured organizer is fetched.
#include <thread>

#include "api/node_api.hpp"
#include "api/pretix_client.hpp"
#include "persistence/redis_connection.hpp"
#include "tests/api/node_api_fixture.hpp"

namespace tixsync::api::testing {
namespace {

std::string payload(const std::string& code,
                    const std::string& action = "pretix.event.order.placed", int notification = 1) {
  return nlohmann::json{{"notification_id", notification},
                        {"organizer", "nordlicht"},
                        {"event", "ndd25"},
                        {"code", code},
                        {"action", action}}
      .dump();
}

const std::string webhook_token = "webhook-token-789";

class webhook_test : public node_api_test {
 protected:
  void SetUp() override { start_api(api_token, pretix_.url()); }
  fake_pretix pretix_;
};

TEST_F(webhook_test, fetches_the_order_and_event_and_enqueues_it) {
  auto r = post("/webhooks/pretix", payload("K3ZPA"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json_of(r)["queued_for"], nlohmann::json::array({"crm", "diet"}));
  EXPECT_EQ(queued("crm"), 1);
  EXPECT_EQ(queued("diet"), 1);
  auto order = json_of(get("/api/v1/orders/nordlicht/ndd25/K3ZPA"));
  EXPECT_EQ(order["providers"][0]["items"][0]["trigger"], "order_placed");
  // The event is cached: the second webhook fetches only the order.
  const int before = pretix_.requests;
  auto paid = post("/webhooks/pretix", payload("L7QXM", "pretix.event.order.paid"));
  ASSERT_EQ(paid.status, 200) << paid.body;
  EXPECT_EQ(json_of(paid)["queued_for"], nlohmann::json::array({"crm"}));
  EXPECT_EQ(pretix_.requests - before, 1);
  // sync-now works from the snapshot the webhook stored.
  EXPECT_EQ(post("/api/v1/orders/nordlicht/ndd25/K3ZPA/sync-now", "").status, 202);
}

TEST_F(webhook_test, ignores_missing_orders_and_foreign_actions) {
  auto missing = post("/webhooks/pretix", payload("NOSUCH"));
  ASSERT_EQ(missing.status, 200) << missing.body;
  EXPECT_EQ(json_of(missing)["ignored"], "order not found");
  auto foreign = post("/webhooks/pretix", payload("K3ZPA", "pretix.event.order.comment"));
  ASSERT_EQ(foreign.status, 200) << foreign.body;
  EXPECT_EQ(json_of(foreign)["ignored"], "pretix.event.order.comment");
  EXPECT_EQ(queued("crm"), 0);
}

TEST_F(webhook_test, a_wrong_shop_token_or_a_failing_pretix_gives_503_and_enqueues_nothing) {
  pretix_.status_override = 401;
  auto refused = post("/webhooks/pretix", payload("K3ZPA"));
  EXPECT_EQ(refused.status, 503);
  EXPECT_NE(refused.body.find("refused the shop token"), std::string::npos) << refused.body;
  pretix_.status_override = 502;
  EXPECT_EQ(post("/webhooks/pretix", payload("K3ZPA")).status, 503);
  EXPECT_EQ(queued("crm"), 0);
  EXPECT_EQ(queued("diet"), 0);
}

TEST_F(webhook_test, pretix_down_gives_503_and_enqueues_nothing) {
  const int closed_port = tixsync::testing::redis_server::free_port();
  start_api(api_token, "http://127.0.0.1:" + std::to_string(closed_port));
  auto r = post("/webhooks/pretix", payload("K3ZPA"));
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_NE(r.body.find("nothing was enqueued"), std::string::npos);
  EXPECT_EQ(queued("crm"), 0);
}

TEST_F(webhook_test, bad_payloads_get_400) {
  for (
      const char* body :
      {R"({"organizer":"nordlicht","event":"ndd25","code":"K3ZPA"})",
       R"({"organizer":"nordlicht","event":"ndd25","code":5,"action":"x"})",
       R"({"organizer":"nordlicht","event":"nd d25","code":"K3ZPA","action":"x"})",
       R"({"organizer":"nordlicht","event":"ndd25","code":"K3ZPA","action":"x","notification_id":"1"})"}) {
    auto r = post("/webhooks/pretix", body);
    EXPECT_EQ(r.status, 400) << body << " -> " << r.body;
  }
  auto other = post("/webhooks/pretix",
                    R"({"organizer":"elsewhere","event":"ndd25","code":"K3ZPA","action":"x"})");
  EXPECT_EQ(other.status, 422);
  EXPECT_EQ(pretix_.requests, 0);
}

TEST_F(webhook_test, replays_of_one_notification_are_answered_without_fetching_again) {
  auto first = post("/webhooks/pretix", payload("K3ZPA"));
  ASSERT_EQ(first.status, 200) << first.body;
  // The order, the event, its settings, items, questions and check-in lists.
  const int fetched = pretix_.requests;
  EXPECT_EQ(fetched, 6);
  // 199 replays of the same notification, from 4 senders at once.
  std::atomic<int> answered_200{0};
  std::vector<std::thread> senders;
  for (int t = 0; t < 4; ++t) {
    senders.emplace_back([&, t] {
      for (int i = t; i < 199; i += 4) {
        if (post("/webhooks/pretix", payload("K3ZPA")).status == 200) ++answered_200;
      }
    });
  }
  for (auto& sender : senders) sender.join();
  EXPECT_EQ(answered_200, 199);
  EXPECT_EQ(pretix_.requests, fetched);
  auto replay = post("/webhooks/pretix", payload("K3ZPA"));
  EXPECT_EQ(json_of(replay)["ignored"], "notification 1 of order K3ZPA is handled already");
  EXPECT_EQ(queued("crm"), 1);
  // The mark is in Redis, so every node of a fleet sees it; it lasts the coalescing window.
  persistence::redis_connection redis(connection());
  auto ttl = redis.command({"PTTL", "tixsync:webhook:{nordlicht/ndd25}:K3ZPA:1"});
  ASSERT_TRUE(ttl.ok());
  EXPECT_GT(ttl->integer, 60000);
  EXPECT_LE(ttl->integer, 600000);
  // Another notification of the same order is handled (the event comes from the cache).
  auto paid = post("/webhooks/pretix", payload("K3ZPA", "pretix.event.order.paid", 2));
  ASSERT_EQ(paid.status, 200) << paid.body;
  EXPECT_EQ(json_of(paid)["queued_for"], nlohmann::json::array({"crm"}));
  EXPECT_EQ(pretix_.requests, fetched + 1);
}

TEST_F(webhook_test, a_notification_that_failed_is_handled_when_pretix_retries_it) {
  pretix_.status_override = 502;
  EXPECT_EQ(post("/webhooks/pretix", payload("K3ZPA")).status, 503);
  pretix_.status_override = 0;
  auto retried = post("/webhooks/pretix", payload("K3ZPA"));
  ASSERT_EQ(retried.status, 200) << retried.body;
  EXPECT_EQ(json_of(retried)["queued_for"], nlohmann::json::array({"crm", "diet"}));
  EXPECT_EQ(queued("crm"), 1);
}

TEST_F(webhook_test, dot_slugs_are_refused_and_never_reach_pretix) {
  const std::vector<std::pair<nlohmann::json, std::string>> bodies = {
      {{{"organizer", ".."}, {"event", "ndd25"}, {"code", "K3ZPA"}},
       "body.organizer: '..' is not a pretix organizer"},
      {{{"organizer", "nordlicht"}, {"event", ".."}, {"code", "K3ZPA"}},
       "body.event: '..' is not a pretix event"},
      {{{"organizer", "nordlicht"}, {"event", "."}, {"code", "K3ZPA"}},
       "body.event: '.' is not a pretix event"},
      {{{"organizer", "nordlicht"}, {"event", "ndd25"}, {"code", ".."}},
       "body.code: '..' is not a pretix order code"},
  };
  for (auto [body, message] : bodies) {
    body["action"] = "pretix.event.order.placed";
    auto r = post("/webhooks/pretix", body.dump());
    EXPECT_EQ(r.status, 400) << body.dump() << " -> " << r.body;
    EXPECT_NE(r.body.find(message), std::string::npos) << r.body;
  }
  // The resync that pages through pretix checks the slugs of its event as well.
  for (const char* event : {"../ndd25", "nordlicht/..", "./ndd25"}) {
    auto r =
        post("/api/v1/resync",
             nlohmann::json{{"provider", "crm"}, {"event", event}, {"source", "pretix"}}.dump());
    EXPECT_EQ(r.status, 400) << event << " -> " << r.body;
  }
  EXPECT_EQ(pretix_.requests, 0);
  EXPECT_EQ(queued("crm"), 0);
}

TEST(pretix_paths, slugs_and_codes_are_checked_and_percent_encoded) {
  EXPECT_EQ(pretix_order_path("nordlicht", "ndd25", "K3ZPA"),
            "/api/v1/organizers/nordlicht/events/ndd25/orders/K3ZPA/"
            "?include_canceled_positions=true");
  EXPECT_EQ(pretix_event_path("nord licht", "a/b?c#d"),
            "/api/v1/organizers/nord%20licht/events/a%2Fb%3Fc%23d/");
  EXPECT_EQ(pretix_event_path("..a", "b.."), "/api/v1/organizers/..a/events/b../");
  EXPECT_THROW(pretix_event_path("..", "ndd25"), std::invalid_argument);
  EXPECT_THROW(pretix_event_path("nordlicht", "."), std::invalid_argument);
  EXPECT_THROW(pretix_event_path("", "ndd25"), std::invalid_argument);
  EXPECT_THROW(pretix_order_path("nordlicht", "ndd25", ".."), std::invalid_argument);
  EXPECT_EQ(pretix_segment_problem("event", ".."),
            "'..' is not a pretix event (it is a path step)");
  EXPECT_EQ(pretix_segment_problem("event", "ndd25"), "");
}

class webhook_token_test : public webhook_test {
 protected:
  void SetUp() override {
    tweak_options = [](node_api_options& o) { o.webhook_token = webhook_token; };
    webhook_test::SetUp();
  }
};

TEST_F(webhook_token_test, the_webhook_token_is_accepted_on_the_webhook_only) {
  auto in_url = tixsync::testing::fetch(
      "POST", server_->port(), "/webhooks/pretix?token=" + webhook_token, payload("K3ZPA"));
  EXPECT_EQ(in_url.status, 200) << in_url.body;
  EXPECT_EQ(post("/webhooks/pretix", payload("L7QXM"), webhook_token).status, 200);
  EXPECT_EQ(queued("crm"), 2);
  // The API token is refused on the webhook, in the URL and as a header.
  auto api_in_url =
      tixsync::testing::fetch("POST", server_->port(), "/webhooks/pretix?token=" + api_token,
                              payload("K3ZPA", "pretix.event.order.paid", 7));
  EXPECT_EQ(api_in_url.status, 401);
  EXPECT_NE(api_in_url.body.find("wrong webhook token"), std::string::npos) << api_in_url.body;
  EXPECT_EQ(post("/webhooks/pretix", payload("K3ZPA", "pretix.event.order.paid", 8)).status, 401);
  // The webhook token is refused by every other POST, which still takes the API token.
  const std::vector<std::pair<std::string, std::string>> admin = {
      {"/api/v1/events/nordlicht/ndd25/orders", orders()[0]},
      {"/api/v1/jobs/retry",
       R"({"provider":"crm","items":[{"event":"nordlicht/ndd25","order":"K3ZPA"}]})"},
      {"/api/v1/jobs/cancel",
       R"({"provider":"crm","items":[{"event":"nordlicht/ndd25","order":"K3ZPA"}]})"},
      {"/api/v1/orders/nordlicht/ndd25/K3ZPA/sync-now", "{}"},
      {"/api/v1/resync", R"({"provider":"crm","event":"nordlicht/ndd25"})"},
  };
  for (const auto& [target, body] : admin) {
    SCOPED_TRACE(target);
    auto header = post(target, body, webhook_token);
    EXPECT_EQ(header.status, 401) << header.body;
    EXPECT_NE(header.body.find("wrong API token"), std::string::npos) << header.body;
    auto query =
        tixsync::testing::fetch("POST", server_->port(), target + "?token=" + webhook_token, body,
                                {{"Content-Type", "application/json"}});
    EXPECT_EQ(query.status, 401) << query.body;
  }
  EXPECT_EQ(queued("crm"), 2);
  EXPECT_EQ(post("/api/v1/orders/nordlicht/ndd25/K3ZPA/sync-now", "{}").status, 202);
}

class webhook_organizer_test : public webhook_test {
 protected:
  void start_with_organizer(const std::string& organizer) {
    tweak_options = [this, organizer](node_api_options& o) {
      o.shop_organizer = organizer;
      o.log = [this](const std::string& line) {
        std::lock_guard<std::mutex> lock(log_mutex);
        log_lines.push_back(line);
      };
    };
    start_api(api_token, pretix_.url());
  }
  std::string log_text() {
    std::lock_guard<std::mutex> lock(log_mutex);
    std::string text;
    for (const auto& line : log_lines) text += line + "\n";
    return text;
  }
  std::mutex log_mutex;
  std::vector<std::string> log_lines;
};

TEST_F(webhook_organizer_test, without_a_configured_organizer_every_webhook_is_refused) {
  start_with_organizer("");
  auto r = post("/webhooks/pretix", payload("K3ZPA"));
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_NE(r.body.find("no [shop] organizer configured"), std::string::npos) << r.body;
  EXPECT_NE(log_text().find("webhook for order nordlicht/ndd25/K3ZPA refused: no [shop] organizer"),
            std::string::npos)
      << log_text();
  EXPECT_EQ(pretix_.requests, 0);
  EXPECT_EQ(queued("crm"), 0);
}

TEST_F(webhook_organizer_test, webhooks_naming_another_organizer_are_refused_and_logged) {
  start_with_organizer("nordlicht");
  auto body = nlohmann::json::parse(payload("K3ZPA"));
  body["organizer"] = "elsewhere";
  auto r = post("/webhooks/pretix", body.dump());
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_NE(r.body.find("'elsewhere' is not the configured shop organizer"), std::string::npos);
  EXPECT_NE(log_text().find("webhook for order elsewhere/ndd25/K3ZPA refused"), std::string::npos)
      << log_text();
  EXPECT_EQ(pretix_.requests, 0);
  EXPECT_EQ(post("/webhooks/pretix", payload("K3ZPA")).status, 200);
}

}  // namespace
}  // namespace tixsync::api::testing
