// snapshot_store::put_event_merged: the stored event snapshot is merged with the new one, and a
// snapshot another writer stores between the read and the write is merged too, never lost.
#include "persistence/snapshot_store.hpp"
#include "tests/persistence/redis_fixture.hpp"

namespace tixsync::persistence::testing {
namespace {

class event_snapshot_merge_test : public redis_fixture {};

/// Joins the stored text and `add` with '+' (none stored: `add`).
snapshot_store::event_merge joining(const std::string& add, int& calls) {
  return [&add, &calls](const std::optional<std::string>& stored) {
    ++calls;
    return stored ? *stored + "+" + add : add;
  };
}

TEST_F(event_snapshot_merge_test, merges_with_what_is_stored_or_stores_the_new_snapshot) {
  snapshot_store snapshots(connection());
  int calls = 0;
  ASSERT_TRUE(snapshots.put_event_merged("org/ev", joining("a", calls)).ok());
  ASSERT_TRUE(snapshots.put_event_merged("org/ev", joining("b", calls)).ok());
  EXPECT_EQ(**snapshots.get_event("org/ev"), "a+b");
  EXPECT_EQ(calls, 2);
  // "" stores nothing.
  ASSERT_TRUE(snapshots.put_event_merged("org/ev", [](const auto&) { return ""; }).ok());
  EXPECT_EQ(**snapshots.get_event("org/ev"), "a+b");
  EXPECT_FALSE(snapshots.put_event_merged("bad event!", joining("c", calls)).ok());
}

TEST_F(event_snapshot_merge_test, a_snapshot_stored_meanwhile_is_merged_again_not_lost) {
  snapshot_store snapshots(connection());
  redis_connection other_connection(options());
  snapshot_store other(other_connection);
  ASSERT_TRUE(snapshots.put_event("org/ev", "a").ok());
  int calls = 0;
  auto merge = [&](const std::optional<std::string>& stored) {
    // Another node stores its snapshot after this one read: the write must not replace it.
    if (++calls == 1) EXPECT_TRUE(other.put_event("org/ev", *stored + "+other").ok());
    return *stored + "+mine";
  };
  ASSERT_TRUE(snapshots.put_event_merged("org/ev", merge).ok());
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(**snapshots.get_event("org/ev"), "a+other+mine");
}

TEST_F(event_snapshot_merge_test, gives_up_after_the_attempts_saying_why) {
  snapshot_store snapshots(connection());
  redis_connection other_connection(options());
  snapshot_store other(other_connection);
  int calls = 0;
  auto merge = [&](const std::optional<std::string>&) {
    EXPECT_TRUE(other.put_event("org/ev", "other " + std::to_string(++calls)).ok());
    return std::string("mine");
  };
  const auto stored = snapshots.put_event_merged("org/ev", merge, 3);
  EXPECT_FALSE(stored.ok());
  EXPECT_NE(stored.message().find("changed by other writers 3 times"), std::string::npos)
      << stored.message();
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(**snapshots.get_event("org/ev"), "other 3");
}

}  // namespace
}  // namespace tixsync::persistence::testing
