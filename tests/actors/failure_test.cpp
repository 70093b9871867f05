// Every way an order can fail or be left out, through a whole node and a real Redis: each ends
// in exactly one queue transition (rescheduled, parked with the right reason, completed
// without results, or dropped), and nothing wrong reaches the external system.
#include <gtest/gtest.h>

#include "actors/node.hpp"
#include "persistence/audit_log.hpp"
#include "providers/example/example_providers.hpp"
#include "tests/actors/node_fixture.hpp"
#include "tests/actors/pretix_example_data.hpp"
#include "tests/actors/test_providers.hpp"

namespace tixsync::actors::testing {
namespace {

using persistence::item_state;
using providers::sync_error_kind;
using providers::example::in_memory_database;
using providers::example::order_and_ticket_sync;

class failure_paths : public node_fixture {
 protected:
  void SetUp() override {
    node_fixture::SetUp();
    put_event("dummy", example_event_json());
  }
  std::shared_ptr<wrapping_provider> make_provider(
      std::optional<std::vector<mapping::mapping_definition>> mappings = std::nullopt) {
    return std::make_shared<wrapping_provider>(std::make_shared<order_and_ticket_sync>(database),
                                               std::move(mappings));
  }
  std::unique_ptr<sync_node> start(std::shared_ptr<providers::provider_registry> registry) {
    auto node = std::make_unique<sync_node>(options(), std::move(registry));
    node->start();
    return node;
  }
  void enqueue_2eee() { enqueue("example2", "dummy", {{"2EEE", order_2eee_json()}}); }
  bool parked(item_state state) { return parked_as("example2", "dummy", "2EEE", state); }
  persistence::queue_item waiting() {
    auto items = item("example2", "dummy", "2EEE");
    return items.waiting ? *items.waiting : persistence::queue_item{};
  }

  std::shared_ptr<in_memory_database> database = std::make_shared<in_memory_database>();
};

TEST_F(failure_paths, recoverable_errors_are_retried_then_parked_as_exceeded) {
  auto p = make_provider();
  p->mode = call_mode::fail;
  p->failure = providers::make_sync_error(sync_error_kind::recoverable, "Service unavailable",
                                          "503 from upstream", "http-503");
  p->policy = fast_retry(3);
  auto node = start(registry_of(p));
  enqueue_2eee();
  ASSERT_TRUE(wait_until([&] { return parked(item_state::exceeded); }));
  EXPECT_EQ(waiting().attempts, 3);
  EXPECT_EQ(waiting().cause, "http-503");
  EXPECT_EQ(p->calls.load(), 3);  // one ticket call per attempt; the order mapping never ran
  node->stop(std::chrono::seconds(5));
  EXPECT_EQ(node->stats().orders_rescheduled, 2u);
  EXPECT_EQ(node->stats().orders_parked, 1u);
  EXPECT_EQ(database->dump(), json::object());
}

TEST_F(failure_paths, rate_limit_errors_use_no_attempt_until_the_deferral_cap) {
  auto p = make_provider();
  p->mode = call_mode::fail;
  p->failure = providers::make_sync_error(sync_error_kind::rate_limited, "Too many requests",
                                          "429 from upstream", "http-429");
  p->policy = fast_retry(3);
  p->policy.max_rate_limit_deferrals = 2;
  auto node = start(registry_of(p));
  enqueue_2eee();
  ASSERT_TRUE(wait_until([&] { return parked(item_state::exceeded); }));
  // 2 deferrals (attempts stay 0), then 3 counted failures: the 3rd parks as exceeded.
  EXPECT_EQ(waiting().attempts, 3);
  EXPECT_EQ(waiting().deferrals, 2);
  EXPECT_EQ(p->calls.load(), 5);
  node->stop(std::chrono::seconds(5));
  EXPECT_EQ(node->stats().orders_rescheduled, 4u);
  EXPECT_EQ(node->stats().orders_parked, 1u);
  persistence::audit_log log(connection());
  std::vector<std::pair<int, int>> scheduled;  // (attempts, deferrals), oldest first
  for (const auto& e : log.read({"example2", "dummy", "2EEE"}).value()) {
    if (e.what != "retry_scheduled") continue;
    scheduled.insert(scheduled.begin(),
                     {e.data.value("attempts", -1), e.data.value("deferrals", 0)});
  }
  EXPECT_EQ(scheduled, (std::vector<std::pair<int, int>>{{0, 1}, {0, 2}, {1, 2}, {2, 2}}));
}

TEST_F(failure_paths, an_unrecoverable_error_parks_as_permanent_at_once) {
  auto p = make_provider();
  p->mode = call_mode::fail;
  p->failure = providers::make_sync_error(sync_error_kind::unrecoverable, "Bad request");
  auto node = start(registry_of(p));
  enqueue_2eee();
  ASSERT_TRUE(wait_until([&] { return parked(item_state::permanent); }));
  EXPECT_EQ(waiting().attempts, 0);
  EXPECT_EQ(waiting().errors, std::vector<std::string>{"Bad request"});
  node->stop(std::chrono::seconds(5));
  EXPECT_EQ(p->calls.load(), 1);
}

TEST_F(failure_paths, a_value_map_missing_an_option_parks_as_config_without_calls) {
  auto mappings = order_and_ticket_sync::default_mappings();
  mappings[0].property_mappings[5].value_map = {{"F1", "VEGETARIAN"}};  // F2 is missing
  auto p = make_provider(mappings);
  auto node = start(registry_of(p));
  enqueue("example2", "dummy", {{"1AAA", order_1aaa_json(false)}});
  ASSERT_TRUE(
      wait_until([&] { return parked_as("example2", "dummy", "1AAA", item_state::config); }));
  node->stop(std::chrono::seconds(5));
  EXPECT_EQ(p->calls.load(), 0);
}

TEST_F(failure_paths, an_exception_in_the_provider_parks_as_internal) {
  auto p = make_provider();
  p->mode = call_mode::throw_error;
  auto node = start(registry_of(p));
  enqueue_2eee();
  ASSERT_TRUE(wait_until([&] { return parked(item_state::internal); }));
  EXPECT_NE(waiting().full_message.find("provider exploded"), std::string::npos);
  node->stop(std::chrono::seconds(5));
}

/// Breaks the provider contract on purpose: its mappings vanish after the first look, so the
/// order actor throws inside a message handler and crashes.
class vanishing_mappings : public wrapping_provider {
 public:
  using wrapping_provider::wrapping_provider;
  const std::vector<mapping::mapping_definition>& mappings() const override {
    return looked_++ == 0 ? wrapping_provider::mappings() : none_;
  }

 private:
  mutable std::atomic<int> looked_{0};
  std::vector<mapping::mapping_definition> none_;
};

TEST_F(failure_paths, a_crashed_order_actor_parks_as_internal_and_other_orders_go_on) {
  auto broken =
      std::make_shared<vanishing_mappings>(std::make_shared<order_and_ticket_sync>(database));
  auto healthy = make_provider();
  auto registry = registry_of(healthy);
  // The broken provider syncs its own queue, "example2" stays healthy.
  struct renamed : vanishing_mappings {
    using vanishing_mappings::vanishing_mappings;
    std::string identifier() const override { return "broken"; }
  };
  registry->add(std::make_shared<renamed>(std::make_shared<order_and_ticket_sync>(database)));
  auto node = start(registry);
  enqueue("broken", "dummy", {{"2EEE", order_2eee_json()}});
  enqueue_2eee();
  ASSERT_TRUE(
      wait_until([&] { return parked_as("broken", "dummy", "2EEE", item_state::internal); }));
  ASSERT_TRUE(wait_until([&] { return gone("example2", "dummy", "2EEE"); }));
  auto items = item("broken", "dummy", "2EEE");
  EXPECT_NE(items.waiting->full_message.find("order actor crashed"), std::string::npos);
  EXPECT_EQ(items.waiting->cause, "actor-crash");
  node->stop(std::chrono::seconds(5));
  EXPECT_EQ(node->stats().orders_parked, 1u);
  EXPECT_EQ(node->stats().orders_synced, 1u);
}

TEST_F(failure_paths, should_sync_order_false_completes_without_syncing) {
  auto p = make_provider();
  p->should_sync = [](const mapping::order& o) { return o.code != "2EEE"; };
  auto node = start(registry_of(p));
  enqueue_2eee();
  ASSERT_TRUE(wait_until([&] { return gone("example2", "dummy", "2EEE"); }));
  node->stop(std::chrono::seconds(5));
  EXPECT_EQ(p->calls.load(), 0);
  EXPECT_EQ(node->stats().orders_skipped, 1u);
  EXPECT_TRUE(results("example2", "dummy", "2EEE").empty());
}

TEST_F(failure_paths, an_object_with_an_empty_id_value_is_skipped) {
  auto mappings = order_and_ticket_sync::default_mappings();
  mappings[0].pretix_id_field = "question_FAV_COLOR";  // unanswered for Eve: ""
  auto p = make_provider(mappings);
  auto node = start(registry_of(p));
  enqueue_2eee();
  ASSERT_TRUE(wait_until([&] { return gone("example2", "dummy", "2EEE"); }));
  node->stop(std::chrono::seconds(5));
  EXPECT_EQ(database->records("tickets"), json::array());
  ASSERT_EQ(database->records("ticketorders").size(), 1u);
  EXPECT_EQ(database->records("ticketorders")[0]["links"], json::array());
  auto stored = results("example2", "dummy", "2EEE");
  ASSERT_EQ(stored.size(), 1u);  // the order only; the skipped ticket has no result
  EXPECT_EQ(stored[0].mapping_id, 2);
  EXPECT_EQ(node->stats().objects_empty, 1u);
}

TEST_F(failure_paths, the_stored_result_of_an_object_skipped_later_survives) {
  auto mappings = order_and_ticket_sync::default_mappings();
  mappings[0].pretix_id_field = "question_FAV_COLOR";
  auto p = make_provider(mappings);
  auto node = start(registry_of(p));
  enqueue("example2", "dummy", {{"1AAA", order_1aaa_json(false)}});
  ASSERT_TRUE(wait_until([&] { return gone("example2", "dummy", "1AAA"); }));
  const auto before = results("example2", "dummy", "1AAA");
  ASSERT_EQ(before.size(), 3u);
  json order = json::parse(order_1aaa_json(true));
  order["positions"][0]["answers"] = json::array();  // Alice's ticket now has no id value
  enqueue("example2", "dummy", {{"1AAA", order.dump()}});
  ASSERT_TRUE(wait_until([&] { return p->calls.load() == 5; }));
  ASSERT_TRUE(wait_until([&] { return gone("example2", "dummy", "1AAA"); }));
  node->stop(std::chrono::seconds(5));
  const auto after = results("example2", "dummy", "1AAA");
  ASSERT_EQ(after.size(), 3u);
  EXPECT_EQ(after[0], before[0]);  // position 101: untouched, still the first sync's result
  EXPECT_EQ(after[1].sync_info["my_result"]["status"], "paid");
  EXPECT_EQ(after[2].sync_info["my_result"]["status"], "paid");
}

TEST_F(failure_paths, a_disabled_provider_drops_its_items) {
  auto p = make_provider();
  auto registry = std::make_shared<providers::provider_registry>();
  registry->add(p, false);
  auto node = start(registry);
  enqueue_2eee();
  ASSERT_TRUE(wait_until([&] { return gone("example2", "dummy", "2EEE"); }));
  node->stop(std::chrono::seconds(5));
  EXPECT_EQ(p->calls.load(), 0);
  EXPECT_EQ(node->stats().orders_dropped, 1u);
}

TEST_F(failure_paths, unchanged_objects_skip_the_provider_unless_forced) {
  auto p = make_provider();
  p->detect_changes = true;
  auto node = start(registry_of(p));
  enqueue_2eee();
  ASSERT_TRUE(wait_until([&] { return gone("example2", "dummy", "2EEE"); }));
  EXPECT_EQ(p->calls.load(), 2);
  enqueue_2eee();  // same data: both objects unchanged
  ASSERT_TRUE(wait_until([&] { return node->stats().orders_synced == 2; }));
  EXPECT_EQ(p->calls.load(), 2);
  EXPECT_EQ(node->stats().objects_unchanged, 2u);
  enqueue("example2", "dummy", {{"2EEE", order_2eee_json()}}, "force_resync");
  ASSERT_TRUE(wait_until([&] { return node->stats().orders_synced == 3; }));
  EXPECT_EQ(p->calls.load(), 4);
  node->stop(std::chrono::seconds(5));
  EXPECT_EQ(database->records("tickets").size(), 1u);
}

}  // namespace
}  // namespace tixsync::actors::testing
