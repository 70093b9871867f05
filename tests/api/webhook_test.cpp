// pretix's webhook against a fake pretix on loopback: the order and event are fetched with the
// shop token and the order enqueued; unknown actions and missing orders are ignored with 200;
// pretix down, answering 5xx or refusing the token gives 503 and nothing enqueued.
#include "api/node_api.hpp"
#include "tests/api/node_api_fixture.hpp"

namespace tixsync::api::testing {
namespace {

std::string payload(const std::string& code, const std::string& action = "pretix.event.order.placed") {
  return nlohmann::json{{"notification_id", 1}, {"organizer", "nordlicht"}, {"event", "ndd25"},
                        {"code", code}, {"action", action}}.dump();
}

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
  for (const char* body : {R"({"organizer":"nordlicht","event":"ndd25","code":"K3ZPA"})",
                           R"({"organizer":"nordlicht","event":"ndd25","code":5,"action":"x"})",
                           R"({"organizer":"nordlicht","event":"nd d25","code":"K3ZPA","action":"x"})",
                           R"({"organizer":"nordlicht","event":"ndd25","code":"K3ZPA","action":"x","notification_id":"1"})"}) {
    auto r = post("/webhooks/pretix", body);
    EXPECT_EQ(r.status, 400) << body << " -> " << r.body;
  }
  auto other = post("/webhooks/pretix", R"({"organizer":"elsewhere","event":"ndd25","code":"K3ZPA","action":"x"})");
  EXPECT_EQ(other.status, 422);
  EXPECT_EQ(pretix_.requests, 0);
}

}  // namespace
}  // namespace tixsync::api::testing
