// Sync results (fenced writes, reads, fingerprints), order/event snapshots, and the audit log
// (reading, appending, cap and retention).
#include "persistence/audit_log.hpp"
#include "persistence/result_store.hpp"
#include "persistence/snapshot_store.hpp"
#include "tests/persistence/redis_fixture.hpp"

namespace tixsync::persistence::testing {
namespace {

class stores_test : public redis_fixture {};

TEST_F(stores_test, results_are_written_under_the_lease_and_replaced_on_resync) {
  add(ref("A1"), t0);
  auto c = take(1, t0);
  result_store results(connection());
  sync_result r = make_result(3, 11, "Ticket", "secret", "abc", "https://x/3", "Ticket abc", {{"n", 1}}, t0, "");
  r.fingerprint = "0123456789abcdef";
  ASSERT_TRUE(results.put(c[0].lease_info(), {r}, t0).ok());
  r.external_link_display_name = "renamed";
  ASSERT_TRUE(results.put(c[0].lease_info(), {r}, t0 + 1).ok());
  auto all = results.get(ref("A1")).value();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0], r);
  auto one = results.get_one(ref("A1"), 3, 11).value();
  ASSERT_TRUE(one);
  EXPECT_EQ(one->external_link_display_name, "renamed");
  EXPECT_FALSE(results.get_one(ref("A1"), 3, std::nullopt).value());
  // Results stay after the item is gone (pretix quirk 12: never deleted by a later run).
  ASSERT_TRUE(queue().complete({c[0].lease_info(), {}, nullptr}, t0 + 2).ok());
  EXPECT_EQ(results.get(ref("A1")).value().size(), 1u);
}

TEST_F(stores_test, fingerprints_detect_unchanged_properties) {
  add(ref("A1"), t0);
  auto c = take(1, t0);
  sync_result r;
  r.mapping_id = 1;
  r.fingerprint = "fp-v1";
  ASSERT_TRUE(queue().complete({c[0].lease_info(), {r}, nullptr}, t0).ok());
  result_store results(connection());
  EXPECT_TRUE(results.unchanged(ref("A1"), 1, std::nullopt, "fp-v1").value());
  EXPECT_FALSE(results.unchanged(ref("A1"), 1, std::nullopt, "fp-v2").value());
  EXPECT_FALSE(results.unchanged(ref("A1"), 2, std::nullopt, "fp-v1").value());
}

TEST_F(stores_test, snapshots_are_stored_as_given) {
  snapshot_store snapshots(connection());
  const std::string order = R"({"code":"A1","status":"p","positions":[]})";
  ASSERT_TRUE(snapshots.put_order("org/ev", "A1", order).ok());
  ASSERT_TRUE(snapshots.put_order("org/ev", "A1", order + " ").ok());  // newest wins
  ASSERT_TRUE(snapshots.put_event("org/ev", R"({"slug":"ev"})").ok());
  EXPECT_EQ(*snapshots.get_order("org/ev", "A1").value(), order + " ");
  EXPECT_FALSE(snapshots.get_order("org/ev", "B2").value());
  auto batch = snapshots.get_many({{"org/ev", "A1"}, {"org/ev", "B2"}, {"other", "C3"}}).value();
  ASSERT_EQ(batch.orders.size(), 3u);
  EXPECT_EQ(*batch.orders[0], order + " ");
  EXPECT_FALSE(batch.orders[1]);
  ASSERT_EQ(batch.events.count("org/ev"), 1u);
  EXPECT_EQ(*batch.events["org/ev"], R"({"slug":"ev"})");
  EXPECT_EQ(batch.events.count("other"), 0u);
  EXPECT_EQ(snapshots.put_order("org/ev", "A 1", "{}").code(),
            persistence_errc::invalid_identifier);
  EXPECT_EQ(snapshots.put_order("org/ev", "A1", "").code(), persistence_errc::invalid_argument);
}

TEST_F(stores_test, snapshot_ttl_applies_when_configured) {
  snapshot_store snapshots(connection(), key_space(), 60'000);
  ASSERT_TRUE(snapshots.put_order("ev", "A1", "{}").ok());
  auto ttl = raw({"PTTL", "tixsync:snapshot:{ev}:order:A1"}).integer;
  EXPECT_GT(ttl, 0);
  EXPECT_LE(ttl, 60'000);
}

TEST_F(stores_test, audit_log_is_capped_and_expires) {
  audit_log log(connection(), key_space(), 5, 3'600'000);
  for (int i = 0; i < 8; ++i) {
    ASSERT_TRUE(log.append(ref("A1"), "note", {{"i", i}}, t0 + i).ok());
  }
  auto entries = log.read(ref("A1")).value();
  ASSERT_EQ(entries.size(), 5u);
  EXPECT_EQ(entries[0].data["i"], 7);  // newest first
  EXPECT_EQ(entries[0].at_ms, t0 + 7);
  EXPECT_EQ(entries[4].data["i"], 3);
  auto ttl = raw({"PTTL", "tixsync:{crm}:log:org/ev1:A1"}).integer;
  EXPECT_GT(ttl, 3'500'000);
  EXPECT_EQ(log.append(ref("A1"), "note", {{"at", 1}}, t0).code(),
            persistence_errc::invalid_argument);
  EXPECT_EQ(log.append(ref("A1"), "bad what", nullptr, t0).code(),
            persistence_errc::invalid_identifier);
}

TEST_F(stores_test, queue_scripts_cap_the_log_too) {
  queue_options o;
  o.audit_log_cap = 4;
  queue_store q(connection(), o);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(q.enqueue({ref("A1"), "t", {}, {}}, t0 + i).ok());
  EXPECT_EQ(raw({"LLEN", "tixsync:{crm}:log:org/ev1:A1"}).integer, 4);
}

}  // namespace
}  // namespace tixsync::persistence::testing
