// Reading the queue: one order's items, pages by state and by event, counts per state and per
// event.
#include <set>

#include "persistence/queue_store.hpp"
#include "tests/persistence/redis_fixture.hpp"

namespace tixsync::persistence::testing {
namespace {

class queries_test : public redis_fixture {
 protected:
  // 12 due (ev1), 3 scheduled (ev2), 2 in flight (ev1), 1 follow-up, 2 parked (permanent).
  void populate() {
    for (int i = 0; i < 16; ++i) add(ref("D" + std::to_string(100 + i), "org/ev1"), t0 + i);
    for (int i = 0; i < 3; ++i)
      add(ref("S" + std::to_string(i), "org/ev2"), t0, "x", t0 + 1'000'000);
    auto c = take(4, t0 + 100);  // D100..D103
    ASSERT_EQ(c.size(), 4u);
    for (int i = 0; i < 2; ++i) {
      ASSERT_TRUE(
          queue()
              .park({c[i].lease_info(), park_state::permanent, {"HTTP 404"}, "", ""}, t0 + 101)
              .ok());
    }
    add(c[2].item.ref, t0 + 102, "order_paid");  // follow-up of D102
  }
};

TEST_F(queries_test, counts_per_state) {
  populate();
  auto counts = queue().count("crm", t0 + 200).value();
  EXPECT_EQ(counts.by_state[item_state::due], 12);
  EXPECT_EQ(counts.by_state[item_state::scheduled], 3);
  EXPECT_EQ(counts.by_state[item_state::in_flight], 2);
  EXPECT_EQ(counts.by_state[item_state::follow_up], 1);
  EXPECT_EQ(counts.by_state[item_state::permanent], 2);
  EXPECT_EQ(counts.by_state[item_state::exceeded], 0);
  EXPECT_EQ(counts.total(), 20);
  // Scheduled items whose time has come count as due.
  auto later = queue().count("crm", t0 + 2'000'000).value();
  EXPECT_EQ(later.by_state[item_state::due], 15);
  EXPECT_EQ(later.by_state[item_state::scheduled], 0);
}

TEST_F(queries_test, list_by_state_with_paging) {
  populate();
  std::set<std::string> seen;
  for (std::size_t offset = 0; offset < 12; offset += 5) {
    auto page = queue().list("crm", {item_state::due, std::nullopt, offset, 5}, t0 + 200).value();
    EXPECT_EQ(page.total, 12u);
    for (const auto& item : page.items) {
      EXPECT_EQ(item.state, item_state::due);
      seen.insert(item.ref.order);
    }
  }
  EXPECT_EQ(seen.size(), 12u);
  auto flight = queue().list("crm", {item_state::in_flight, {}, 0, 10}, t0 + 200).value();
  ASSERT_EQ(flight.items.size(), 2u);
  EXPECT_EQ(flight.items[0].node, "n1");
  auto parked = queue().list("crm", {item_state::permanent, {}, 0, 10}, t0 + 200).value();
  ASSERT_EQ(parked.items.size(), 2u);
  EXPECT_EQ(parked.items[0].errors, std::vector<std::string>{"HTTP 404"});
  auto follow = queue().list("crm", {item_state::follow_up, {}, 0, 10}, t0 + 200).value();
  ASSERT_EQ(follow.items.size(), 1u);
  EXPECT_EQ(follow.items[0].trigger, "order_paid");
  auto sched = queue().list("crm", {item_state::scheduled, {}, 1, 10}, t0 + 200).value();
  EXPECT_EQ(sched.total, 3u);
  EXPECT_EQ(sched.items.size(), 2u);
}

TEST_F(queries_test, due_listing_includes_scheduled_items_whose_time_came) {
  add(ref("R1"), t0);
  add(ref("L1"), t0, "x", t0 + 50);
  add(ref("L2"), t0, "x", t0 + 60);
  auto page = queue().list("crm", {item_state::due, {}, 0, 10}, t0 + 55).value();
  EXPECT_EQ(page.total, 2u);
  ASSERT_EQ(page.items.size(), 2u);
  EXPECT_EQ(page.items[0].ref.order, "R1");
  EXPECT_EQ(page.items[1].ref.order, "L1");
  auto second = queue().list("crm", {item_state::due, {}, 1, 10}, t0 + 55).value();
  ASSERT_EQ(second.items.size(), 1u);
  EXPECT_EQ(second.items[0].ref.order, "L1");
}

TEST_F(queries_test, list_and_count_by_event) {
  populate();
  auto ev2 = queue().list("crm", {std::nullopt, std::string("org/ev2"), 0, 2}, t0 + 200).value();
  EXPECT_EQ(ev2.total, 3u);
  ASSERT_EQ(ev2.items.size(), 2u);
  EXPECT_EQ(ev2.items[0].ref.order, "S0");
  auto ev1 = queue().list("crm", {std::nullopt, std::string("org/ev1"), 0, 100}, t0 + 200).value();
  EXPECT_EQ(ev1.total, 16u);         // orders
  EXPECT_EQ(ev1.items.size(), 17u);  // D102 has a running item and a follow-up
  auto per_event = queue().count_by_event("crm").value();
  EXPECT_EQ(per_event["org/ev1"], 16);
  EXPECT_EQ(per_event["org/ev2"], 3);
  EXPECT_EQ(queue().list("crm", {std::nullopt, std::string("nope"), 0, 10}, t0).value().total, 0u);
}

TEST_F(queries_test, list_every_parked_item_whatever_its_state) {
  populate();
  auto c = take(1, t0 + 150);
  ASSERT_EQ(c.size(), 1u);
  ASSERT_TRUE(
      queue().park({c[0].lease_info(), park_state::config, {"value map"}, "", ""}, t0 + 151).ok());
  list_query parked;
  parked.parked = true;
  parked.limit = 2;
  std::vector<std::string> states;
  std::set<std::string> orders;
  for (std::size_t offset = 0; offset < 3; offset += 2) {
    parked.offset = offset;
    auto page = queue().list("crm", parked, t0 + 200).value();
    EXPECT_EQ(page.total, 3u);
    for (const auto& item : page.items) {
      states.push_back(to_string(item.state));
      orders.insert(item.ref.order);
    }
  }
  // By state, then cause: config before permanent.
  EXPECT_EQ(states, (std::vector<std::string>{"config", "permanent", "permanent"}));
  EXPECT_EQ(orders.size(), 3u);
  parked.state = item_state::config;
  EXPECT_EQ(queue().list("crm", parked, t0).code(), persistence_errc::invalid_argument);
}

TEST_F(queries_test, list_needs_exactly_one_filter) {
  EXPECT_EQ(queue().list("crm", {}, t0).code(), persistence_errc::invalid_argument);
  EXPECT_EQ(queue().list("crm", {item_state::due, std::string("e"), 0, 10}, t0).code(),
            persistence_errc::invalid_argument);
  EXPECT_EQ(queue().list("crm", {item_state::due, {}, 0, 0}, t0).code(),
            persistence_errc::invalid_argument);
}

}  // namespace
}  // namespace tixsync::persistence::testing
