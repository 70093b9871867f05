// Fair claiming: a huge backlog of one event does not starve other events (round-robin over
// events with due items), and each event stays oldest-first.
#include <map>

#include "persistence/queue_store.hpp"
#include "tests/persistence/redis_fixture.hpp"

namespace tixsync::persistence::testing {
namespace {

class fairness_test : public redis_fixture {
 protected:
  void fill(const std::string& event, int n, std::int64_t now) {
    std::vector<enqueue_request> batch;
    for (int i = 0; i < n; ++i) {
      char code[16];
      std::snprintf(code, sizeof code, "O%06d", i);
      batch.push_back({ref(code, event), "order_placed", std::nullopt, std::nullopt});
    }
    ASSERT_TRUE(queue().enqueue_many(batch, now).ok());
  }
};

TEST_F(fairness_test, small_event_is_not_starved_by_a_10000_item_backlog) {
  fill("org/big", 10'000, t0);
  fill("org/small", 10, t0 + 1000);  // enqueued later than the whole backlog
  std::map<std::string, int> claimed;
  int small_done_after = -1;
  for (int round = 0; round < 10 && small_done_after < 0; ++round) {
    for (const auto& c : take(10, t0 + 2000)) {
      ++claimed[c.item.ref.event];
      ASSERT_TRUE(queue().complete({c.lease_info(), {}, nullptr}, t0 + 2000).ok());
    }
    if (claimed["org/small"] == 10) small_done_after = claimed["org/big"] + 10;
  }
  // Round-robin: all 10 small items are out within the first 20 claims.
  EXPECT_EQ(claimed["org/small"], 10);
  EXPECT_LE(small_done_after, 20);
}

TEST_F(fairness_test, a_new_event_joins_the_rotation_immediately) {
  fill("org/big", 2000, t0);
  for (int i = 0; i < 50; ++i) take(10, t0 + 1);  // 500 big items claimed
  fill("org/late", 5, t0 + 2);
  std::map<std::string, int> next;
  for (const auto& c : take(10, t0 + 3)) ++next[c.item.ref.event];
  EXPECT_EQ(next["org/late"], 5);
  EXPECT_EQ(next["org/big"], 5);
}

TEST_F(fairness_test, oldest_first_within_an_event_and_three_events_take_turns) {
  fill("a", 30, t0);
  fill("b", 30, t0);
  fill("c", 3, t0);
  std::map<std::string, std::string> last;
  std::map<std::string, int> first9;
  auto batch = take(9, t0 + 1);
  for (const auto& c : batch) ++first9[c.item.ref.event];
  EXPECT_EQ(first9["a"], 3);
  EXPECT_EQ(first9["b"], 3);
  EXPECT_EQ(first9["c"], 3);
  for (int round = 0; round < 20; ++round) {
    for (const auto& c : take(5, t0 + 1)) {
      auto& prev = last[c.item.ref.event];
      EXPECT_LT(prev, c.item.ref.order) << "event " << c.item.ref.event << " out of order";
      prev = c.item.ref.order;
    }
  }
}

TEST_F(fairness_test, retried_items_rejoin_fairly) {
  fill("org/big", 300, t0);
  fill("org/small", 1, t0);
  auto c = take(2, t0 + 1);
  ASSERT_EQ(c.size(), 2u);
  for (auto& item : c) {
    ASSERT_TRUE(queue().reschedule(item.lease_info(), t0 + 100, {"503"}, t0 + 1).ok());
  }
  // When the small order's retry comes due it is among the next claims, not behind 298 items.
  std::map<std::string, int> next;
  for (const auto& item : take(4, t0 + 100)) ++next[item.item.ref.event];
  EXPECT_EQ(next["org/small"], 1);
}

}  // namespace
}  // namespace tixsync::persistence::testing
