// Leases: renewal, expiry returning items to due (counted), the poison item parked as timeout
// after max expiries, expiry with a waiting follow-up, claim sweeping automatically, and the
// graceful give-back (release) that is not counted as an expiry. An expired item goes to the
// front of the due items.
#include "persistence/queue_store.hpp"
#include "tests/persistence/redis_fixture.hpp"

namespace tixsync::persistence::testing {
namespace {

class lease_test : public redis_fixture {
 protected:
  queue_options queue_opts() const override {
    queue_options o;
    o.max_lease_expiries = 3;
    return o;
  }
};

TEST_F(lease_test, renew_extends_the_lease) {
  add(ref("A1"), t0);
  auto c = take(1, t0);
  auto renewed = queue().renew({c[0].lease_info()}, lease_ms, t0 + 20'000);
  ASSERT_TRUE(renewed.ok());
  EXPECT_TRUE((*renewed)[0].ok());
  EXPECT_EQ(queue().get(ref("A1"), t0).value().in_flight->lease_until_ms, t0 + 20'000 + lease_ms);
  // Not expired at the old expiry time.
  auto swept = queue().expire_leases("crm", t0 + lease_ms + 1).value();
  EXPECT_EQ(swept.requeued, 0u);
  EXPECT_TRUE(take(1, t0 + lease_ms + 1).empty());
}

TEST_F(lease_test, expired_lease_returns_the_item_to_due_and_counts) {
  add(ref("A1"), t0);
  auto dead = take(1, t0, "dead-node");
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(queue().expire_leases("crm", t0 + lease_ms - 1).value().requeued, 0u);
  auto report = queue().expire_leases("crm", t0 + lease_ms).value();
  EXPECT_EQ(report.requeued, 1u);
  auto item = queue().get(ref("A1"), t0 + lease_ms).value();
  ASSERT_TRUE(item.waiting && !item.in_flight);
  EXPECT_EQ(item.waiting->state, item_state::due);
  EXPECT_EQ(item.waiting->expiries, 1);
  EXPECT_EQ(item.waiting->attempts, 0);
  auto again = take(1, t0 + lease_ms + 1, "n2");
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].item.node, "n2");
  audit_log log(connection());
  auto entries = log.read(ref("A1")).value();
  ASSERT_GE(entries.size(), 3u);
  EXPECT_EQ(entries[0].what, "lease_expired");
  EXPECT_EQ(entries[0].data["node"], "dead-node");
  EXPECT_EQ(entries[1].what, "started");
}

TEST_F(lease_test, claim_sweeps_expired_leases_by_itself) {
  add(ref("A1"), t0);
  ASSERT_EQ(take(1, t0, "dead").size(), 1u);
  auto c = take(5, t0 + lease_ms + 5, "alive");
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].item.node, "alive");
  EXPECT_EQ(c[0].item.expiries, 1);
}

TEST_F(lease_test, an_expired_item_is_taken_over_before_the_backlog_of_its_event) {
  add(ref("FIRST"), t0);
  for (int i = 0; i < 20; ++i) add(ref("B" + std::to_string(100 + i)), t0);
  auto dead = take(1, t0, "dead");
  ASSERT_EQ(dead.size(), 1u);
  ASSERT_EQ(dead[0].item.ref.order, "FIRST");
  ASSERT_EQ(queue().expire_leases("crm", t0 + lease_ms).value().requeued, 1u);
  auto next = take(1, t0 + lease_ms + 1, "alive");
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].item.ref.order, "FIRST");
  EXPECT_EQ(next[0].item.expiries, 1);
  // The backlog then follows in its own order.
  auto rest = take(20, t0 + lease_ms + 2, "alive");
  ASSERT_EQ(rest.size(), 20u);
  EXPECT_EQ(rest[0].item.ref.order, "B100");
}

TEST_F(lease_test, poison_item_is_parked_as_timeout) {
  add(ref("POISON"), t0);
  add(ref("OK1"), t0 + 1);
  std::int64_t now = t0 + 10;
  for (int crash = 1; crash <= 3; ++crash) {
    const std::string node = "node" + std::to_string(crash);
    auto c = take(1, now, node);
    for (int guard = 0; guard < 3 && c.size() == 1 && c[0].item.ref.order != "POISON"; ++guard) {
      ASSERT_TRUE(queue().complete({c[0].lease_info(), {}, nullptr}, now).ok());  // the good one
      c = take(1, now, node);
    }
    ASSERT_EQ(c.size(), 1u);
    ASSERT_EQ(c[0].item.ref.order, "POISON");
    EXPECT_EQ(c[0].item.expiries, crash - 1);
    now += lease_ms;  // the node crashed while syncing it: nobody renews
    ASSERT_TRUE(queue().expire_leases("crm", now).ok());
  }
  auto item = queue().get(ref("POISON"), now).value();
  ASSERT_TRUE(item.waiting);
  EXPECT_EQ(item.waiting->state, item_state::timeout);
  EXPECT_EQ(item.waiting->expiries, 3);
  EXPECT_EQ(item.waiting->cause, "lease expired");
  // The parked poison is never claimed again; the good order still is (it may have waited while
  // the expired poison went to the front each time).
  auto left = take(10, now + 1);
  for (const auto& c : left) EXPECT_EQ(c.item.ref.order, "OK1");
  EXPECT_LE(left.size(), 1u);
  EXPECT_EQ(queue().count("crm", now).value().by_state[item_state::timeout], 1);
}

TEST_F(lease_test, expired_item_with_follow_up_makes_way_for_it) {
  add(ref("A1"), t0);
  ASSERT_EQ(take(1, t0).size(), 1u);
  add(ref("A1"), t0 + 1, "order_paid");
  auto report = queue().expire_leases("crm", t0 + lease_ms).value();
  EXPECT_EQ(report.replaced_by_follow_up, 1u);
  auto c = take(5, t0 + lease_ms);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].item.trigger, "order_paid");
  EXPECT_EQ(c[0].item.expiries, 0);
}

TEST_F(lease_test, completion_after_expiry_but_before_a_sweep_is_accepted) {
  add(ref("A1"), t0);
  auto c = take(1, t0);
  // The lease ran out but nobody requeued the item: the token still holds, nothing is newer.
  EXPECT_TRUE(queue().complete({c[0].lease_info(), {}, nullptr}, t0 + lease_ms + 10).ok());
  EXPECT_EQ(queue().expire_leases("crm", t0 + lease_ms + 20).value().requeued, 0u);
}

TEST_F(lease_test, many_expired_leases_are_swept_in_chunks) {
  std::vector<enqueue_request> batch;
  for (int i = 0; i < 450; ++i) batch.push_back({ref("E" + std::to_string(i)), "x", {}, {}});
  ASSERT_TRUE(queue().enqueue_many(batch, t0).ok());
  ASSERT_EQ(take(450, t0).size(), 450u);
  auto report = queue().expire_leases("crm", t0 + lease_ms).value();
  EXPECT_EQ(report.requeued, 450u);
  EXPECT_EQ(raw({"ZCARD", "tixsync:{crm}:leases"}).integer, 0);
}

TEST_F(lease_test, release_makes_the_item_due_without_counting_an_expiry) {
  add(ref("A1"), t0);
  add(ref("A2"), t0);
  auto c = take(2, t0, "stopping");
  ASSERT_EQ(c.size(), 2u);
  auto stale = c[1].lease_info();
  stale.token += 1000;
  auto released = queue().release({c[0].lease_info(), stale}, t0 + 5);
  ASSERT_TRUE(released.ok());
  ASSERT_EQ(released->size(), 2u);
  EXPECT_TRUE((*released)[0].ok());
  EXPECT_EQ((*released)[1].code(), persistence_errc::stale_lease);
  // The released item waits again, due at once, counters unchanged; the stale one still runs.
  auto item = queue().get(ref("A1"), t0 + 5).value();
  ASSERT_TRUE(item.waiting && !item.in_flight);
  EXPECT_EQ(item.waiting->state, item_state::due);
  EXPECT_EQ(item.waiting->expiries, 0);
  EXPECT_EQ(item.waiting->attempts, 0);
  EXPECT_TRUE(item.waiting->node.empty());
  EXPECT_TRUE(queue().get(ref("A2"), t0 + 5).value().in_flight);
  EXPECT_EQ(raw({"ZCARD", "tixsync:{crm}:leases"}).integer, 1);
  audit_log log(connection());
  auto entries = log.read(ref("A1")).value();
  ASSERT_GE(entries.size(), 2u);
  EXPECT_EQ(entries[0].what, "released");
  EXPECT_EQ(entries[0].data["node"], "stopping");
  EXPECT_EQ(entries[1].what, "started");
  // Nothing is left to expire for it, and a later completion with the old token is refused.
  EXPECT_EQ(queue().expire_leases("crm", t0 + lease_ms + 1).value().requeued, 1u);  // only A2
  EXPECT_EQ(queue().complete({c[0].lease_info(), {}, nullptr}, t0 + 6).code(),
            persistence_errc::stale_lease);
  // Released three times (three graceful restarts): never parked as timeout.
  std::int64_t now = t0 + lease_ms + 2;
  for (int restart = 0; restart < 3; ++restart) {
    auto again = take(5, now, "node" + std::to_string(restart));
    std::vector<lease> leases;
    for (auto& a : again) leases.push_back(a.lease_info());
    ASSERT_TRUE(queue().release(leases, now + 1).ok());
    now += 2;
  }
  item = queue().get(ref("A1"), now).value();
  ASSERT_TRUE(item.waiting);
  EXPECT_EQ(item.waiting->state, item_state::due);
  EXPECT_EQ(item.waiting->expiries, 0);
  EXPECT_EQ(queue().count("crm", now).value().by_state[item_state::timeout], 0);
}

TEST_F(lease_test, release_keeps_a_scheduled_not_before_and_empty_release_is_a_no_op) {
  add(ref("A1"), t0);
  auto c = take(1, t0);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_TRUE(queue().release({}, t0 + 1).value().empty());
  ASSERT_TRUE(queue().release({c[0].lease_info()}, t0 + 1).ok());
  EXPECT_EQ(queue().get(ref("A1"), t0 + 1).value().waiting->not_before_ms, t0);
  EXPECT_EQ(take(1, t0 + 2).size(), 1u);
  EXPECT_EQ(queue().release({{ref("bad id!"), 1}}, t0 + 3).code(),
            persistence_errc::invalid_identifier);
}

TEST_F(lease_test, released_item_with_follow_up_makes_way_for_it) {
  add(ref("A1"), t0);
  auto c = take(1, t0);
  ASSERT_EQ(c.size(), 1u);
  add(ref("A1"), t0 + 1, "order_paid");  // the follow-up twin
  auto released = queue().release({c[0].lease_info()}, t0 + 2);
  ASSERT_TRUE(released.ok());
  EXPECT_TRUE((*released)[0].ok());
  EXPECT_EQ(raw({"HLEN", "tixsync:{crm}:items"}).integer, 1);
  EXPECT_EQ(raw({"HLEN", "tixsync:{crm}:running"}).integer, 0);
  auto item = queue().get(ref("A1"), t0 + 2).value();
  ASSERT_TRUE(item.waiting && !item.in_flight);
  EXPECT_EQ(item.waiting->state, item_state::due);
  EXPECT_EQ(item.waiting->trigger, "order_paid");
  audit_log log(connection());
  auto entries = log.read(ref("A1")).value();
  EXPECT_EQ(entries[0].what, "replaced_by_follow_up");
  EXPECT_EQ(entries[0].data["after"], "released");
  auto again = take(5, t0 + 3);
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].item.trigger, "order_paid");
  EXPECT_EQ(again[0].item.expiries, 0);
}

}  // namespace
}  // namespace tixsync::persistence::testing
