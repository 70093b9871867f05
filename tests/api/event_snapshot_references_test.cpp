// The event snapshot a webhook stores keeps the sub-events and vouchers stored for earlier orders:
// a node whose cache starts empty (after a restart), another node of the fleet, and a refresh of
// the event all store bundles fetched from pretix that hold only what they fetched, while orders
// enqueued earlier are still synced, retried and re-synced against the stored snapshot.
#include "mapping/order_reader.hpp"
#include "persistence/redis_connection.hpp"
#include "persistence/snapshot_store.hpp"
#include "tests/api/node_api_fixture.hpp"

namespace tixsync::api::testing {
namespace {

/// tests/data's event with sub-event 701 (pretix serves it by id only).
nlohmann::json bundle_with_sub_event() {
  auto bundle = nlohmann::json::parse(tixsync::testing::read_test_data("event.json"));
  bundle["subevents"].push_back(day_two_sub_event());
  return bundle;
}

/// tests/data's orders; V8KDW's position is on sub-event 701 (R8FNS's has voucher 601).
std::vector<std::string> orders_with_sub_event() {
  std::vector<std::string> out;
  for (const auto& line : tixsync::testing::read_test_data_lines("orders.jsonl")) {
    auto order = nlohmann::json::parse(line);
    if (order["code"] == "V8KDW") order["positions"][0]["subevent"] = 701;
    out.push_back(order.dump());
  }
  return out;
}

class event_snapshot_references_test : public node_api_test {
 protected:
  void SetUp() override { start_api(api_token, pretix_.url()); }

  void webhook(const std::string& code) {
    auto r = post("/webhooks/pretix", nlohmann::json{{"notification_id", ++notification_},
                                                     {"organizer", "nordlicht"},
                                                     {"event", "ndd25"},
                                                     {"code", code},
                                                     {"action", "pretix.event.order.paid"}}
                                          .dump());
    ASSERT_EQ(r.status, 200) << r.body;
  }
  /// The stored event snapshot.
  nlohmann::json stored_event() {
    persistence::redis_connection c(connection());
    auto event = persistence::snapshot_store(c).get_event(event_id);
    if (!event.ok() || !event->has_value()) return nullptr;
    return nlohmann::json::parse(**event);
  }
  void store_event(const nlohmann::json& bundle) {
    persistence::redis_connection c(connection());
    ASSERT_TRUE(persistence::snapshot_store(c).put_event(event_id, bundle.dump()).ok());
  }
  /// Whether the stored snapshot reads as an event bundle with voucher 601 and sub-event 701.
  void expect_both_references() {
    const auto stored = stored_event();
    ASSERT_TRUE(stored.is_object());
    mapping::order_reader reader;
    mapping::event_bundle event;
    mapping::read_error error;
    ASSERT_TRUE(reader.read_event_bundle(stored.dump(), event, error)) << error.to_string();
    ASSERT_NE(event.find_voucher(601), nullptr) << stored["vouchers"].dump();
    EXPECT_EQ(event.find_voucher(601)->code, "SPEAKER25");
    EXPECT_NE(event.find_subevent(701), nullptr) << stored["subevents"].dump();
  }

  fake_pretix pretix_{bundle_with_sub_event(), orders_with_sub_event()};
  int notification_ = 0;
};

TEST_F(event_snapshot_references_test, a_restarted_node_keeps_the_voucher_of_an_earlier_order) {
  webhook("R8FNS");
  ASSERT_EQ(stored_event()["vouchers"].size(), 1u);
  start_api(api_token, pretix_.url());  // a new node process: its cache starts empty
  webhook("V8KDW");
  expect_both_references();
}

TEST_F(event_snapshot_references_test, a_sub_event_another_node_stored_meanwhile_is_kept) {
  webhook("K3ZPA");  // this node's cache: the event, without sub-events or vouchers
  // Another node of the fleet stores the event with V8KDW's sub-event meanwhile.
  auto other = stored_event();
  other["subevents"] = nlohmann::json::array({bundle_with_sub_event()["subevents"][0]});
  store_event(other);
  webhook("R8FNS");
  expect_both_references();
}

TEST_F(event_snapshot_references_test, a_refresh_after_a_restart_keeps_them) {
  webhook("R8FNS");
  webhook("V8KDW");
  start_api(api_token, pretix_.url());
  auto r = post("/api/v1/events/nordlicht/ndd25/refresh", "{}");
  ASSERT_EQ(r.status, 200) << r.body;
  expect_both_references();
}

TEST_F(event_snapshot_references_test, what_pretix_answers_now_wins_over_what_was_stored) {
  webhook("R8FNS");
  auto stored = stored_event();
  stored["vouchers"][0]["code"] = "OLDCODE";
  stored["vouchers"].push_back({{"id", 602}, {"code", "GONE"}});
  store_event(stored);
  start_api(api_token, pretix_.url());
  webhook("R8FNS");
  const auto now = stored_event()["vouchers"];
  ASSERT_EQ(now.size(), 2u) << now.dump();
  EXPECT_EQ(now[0]["code"], "GONE");  // kept, older first
  EXPECT_EQ(now[1]["code"], "SPEAKER25");
}

}  // namespace
}  // namespace tixsync::api::testing
