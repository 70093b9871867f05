// snapshot_store::list_orders against a real Redis: the orders of one event with a snapshot,
// sorted and unique, never another event's or another key prefix's; bounded by count and time
// (all or nothing), and bad event names refused.
#include "persistence/snapshot_store.hpp"
#include "tests/persistence/redis_fixture.hpp"

namespace tixsync::persistence::testing {
namespace {

class snapshot_listing_test : public redis_fixture {};

TEST_F(snapshot_listing_test, lists_the_orders_of_one_event_sorted) {
  snapshot_store snapshots(connection());
  for (const char* code : {"C3", "A1", "B2"})
    ASSERT_TRUE(snapshots.put_order("org/ev", code, "{}").ok());
  ASSERT_TRUE(snapshots.put_order("org/ev", "A1", "{ }").ok());  // stored twice, listed once
  ASSERT_TRUE(snapshots.put_order("org/ev2", "D4", "{}").ok());  // an event whose name extends it
  ASSERT_TRUE(snapshots.put_order("other/ev", "E5", "{}").ok());
  ASSERT_TRUE(snapshots.put_event("org/ev", "{}").ok());  // not an order
  snapshot_store elsewhere(connection(), key_space("other-prefix"));
  ASSERT_TRUE(elsewhere.put_order("org/ev", "F6", "{}").ok());
  auto listed = snapshots.list_orders("org/ev");
  ASSERT_TRUE(listed.ok()) << listed.error().to_string();
  EXPECT_EQ(*listed, (std::vector<std::string>{"A1", "B2", "C3"}));
  EXPECT_EQ(*elsewhere.list_orders("org/ev"), std::vector<std::string>{"F6"});
  EXPECT_TRUE(snapshots.list_orders("org/none").value().empty());
}

TEST_F(snapshot_listing_test, pages_through_many_keys_with_small_scan_counts) {
  snapshot_store snapshots(connection());
  for (int i = 0; i < 250; ++i) {
    ASSERT_TRUE(snapshots.put_order("org/ev", "O" + std::to_string(1000 + i), "{}").ok());
    ASSERT_TRUE(snapshots.put_order("org/other", "X" + std::to_string(i), "{}").ok());
  }
  listing_limits limits;
  limits.scan_count = 10;
  auto listed = snapshots.list_orders("org/ev", limits);
  ASSERT_TRUE(listed.ok()) << listed.error().to_string();
  ASSERT_EQ(listed->size(), 250u);
  EXPECT_EQ(listed->front(), "O1000");
  EXPECT_EQ(listed->back(), "O1249");
}

TEST_F(snapshot_listing_test, is_bounded_by_count_and_time_and_checks_the_event) {
  snapshot_store snapshots(connection());
  for (const char* code : {"A1", "B2", "C3"})
    ASSERT_TRUE(snapshots.put_order("org/ev", code, "{}").ok());
  listing_limits few;
  few.max_orders = 2;
  auto too_many = snapshots.list_orders("org/ev", few);
  ASSERT_FALSE(too_many.ok());
  EXPECT_EQ(too_many.error().code(), persistence_errc::invalid_argument);
  EXPECT_NE(too_many.error().message().find("more than 2"), std::string::npos);
  listing_limits no_time;
  no_time.time = std::chrono::milliseconds(-1);  // already past: not one SCAN
  auto late = snapshots.list_orders("org/ev", no_time);
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().code(), persistence_errc::timeout);
  EXPECT_EQ(snapshots.list_orders("org ev").error().code(), persistence_errc::invalid_identifier);
  EXPECT_EQ(snapshots.list_orders("org/*").error().code(), persistence_errc::invalid_identifier);
}

}  // namespace
}  // namespace tixsync::persistence::testing
