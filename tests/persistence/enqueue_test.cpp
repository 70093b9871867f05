// Enqueue rules (pretix enqueue_order, reference 7.2): one waiting item per order and provider,
// updates keep attempts and triggered, follow-up while in flight, batches, bad input.
#include "persistence/queue_store.hpp"
#include "tests/persistence/redis_fixture.hpp"

namespace tixsync::persistence::testing {
namespace {

class enqueue_test : public redis_fixture {};

TEST_F(enqueue_test, creates_a_due_item) {
  auto r = add(ref("A1"), t0);
  EXPECT_TRUE(r.created);
  EXPECT_FALSE(r.follow_up);
  auto items = queue().get(ref("A1"), t0);
  ASSERT_TRUE(items.ok());
  ASSERT_TRUE(items->waiting.has_value());
  EXPECT_FALSE(items->in_flight.has_value());
  EXPECT_EQ(items->waiting->state, item_state::due);
  EXPECT_EQ(items->waiting->trigger, "order_placed");
  EXPECT_EQ(items->waiting->triggered_ms, t0);
  EXPECT_EQ(items->waiting->not_before_ms, t0);
  EXPECT_EQ(items->waiting->attempts, 0);
}

TEST_F(enqueue_test, enqueue_twice_updates_the_one_waiting_item) {
  add(ref("A1"), t0, "order_placed", t0 + 60'000);
  auto second = add(ref("A1"), t0 + 1000, "order_paid");
  EXPECT_FALSE(second.created);
  EXPECT_EQ(raw({"HLEN", "tixsync:{crm}:items"}).integer, 1);
  auto items = queue().get(ref("A1"), t0 + 1000);
  ASSERT_TRUE(items.ok() && items->waiting);
  EXPECT_EQ(items->waiting->trigger, "order_paid");
  EXPECT_EQ(items->waiting->not_before_ms, t0 + 1000);  // not_before = now: pulled forward
  EXPECT_EQ(items->waiting->triggered_ms, t0);          // kept
  EXPECT_EQ(items->waiting->state, item_state::due);
}

TEST_F(enqueue_test, re_enqueue_revives_a_parked_item_keeping_attempts) {
  add(ref("A1"), t0);
  auto c = take(1, t0);
  ASSERT_EQ(c.size(), 1u);
  ASSERT_TRUE(queue().reschedule(c[0].lease_info(), t0 + 10, {"HTTP 503"}, t0).ok());
  c = take(1, t0 + 20);
  ASSERT_EQ(c.size(), 1u);
  park_request p{c[0].lease_info(), park_state::exceeded, {"HTTP 503"}, "body", ""};
  ASSERT_TRUE(queue().park(p, t0 + 30).ok());
  auto parked = queue().get(ref("A1"), t0 + 30);
  ASSERT_TRUE(parked.ok() && parked->waiting);
  EXPECT_EQ(parked->waiting->state, item_state::exceeded);
  EXPECT_EQ(parked->waiting->attempts, 2);

  add(ref("A1"), t0 + 40, "order_changed");
  auto revived = queue().get(ref("A1"), t0 + 40);
  ASSERT_TRUE(revived.ok() && revived->waiting);
  EXPECT_EQ(revived->waiting->state, item_state::due);
  EXPECT_EQ(revived->waiting->attempts, 2);  // pretix quirk 10: the counter is kept
  EXPECT_TRUE(revived->waiting->errors.empty());
  EXPECT_TRUE(revived->waiting->full_message.empty());
  EXPECT_EQ(raw({"ZCARD", "tixsync:{crm}:parked"}).integer, 0);
  EXPECT_EQ(raw({"HLEN", "tixsync:{crm}:causes"}).integer, 0);
}

TEST_F(enqueue_test, enqueue_while_in_flight_leaves_one_follow_up) {
  add(ref("A1"), t0);
  auto c = take(1, t0);
  ASSERT_EQ(c.size(), 1u);
  auto first = add(ref("A1"), t0 + 1, "order_paid");
  EXPECT_TRUE(first.created);
  EXPECT_TRUE(first.follow_up);
  auto second = add(ref("A1"), t0 + 2, "order_changed");
  EXPECT_FALSE(second.created);
  EXPECT_TRUE(second.follow_up);
  auto items = queue().get(ref("A1"), t0 + 2);
  ASSERT_TRUE(items.ok() && items->waiting && items->in_flight);
  EXPECT_EQ(items->waiting->state, item_state::follow_up);
  EXPECT_EQ(items->waiting->trigger, "order_changed");
  // The follow-up is not claimable while its twin runs ...
  EXPECT_TRUE(take(10, t0 + 3).empty());
  // ... and becomes the waiting, due item once the running sync completes.
  ASSERT_TRUE(queue().complete({c[0].lease_info(), {}, nullptr}, t0 + 4).ok());
  auto next = take(10, t0 + 5);
  ASSERT_EQ(next.size(), 1u);
  EXPECT_EQ(next[0].item.trigger, "order_changed");
  EXPECT_EQ(next[0].item.attempts, 0);
}

TEST_F(enqueue_test, future_not_before_waits) {
  add(ref("A1"), t0, "order_placed", t0 + 5000);
  EXPECT_TRUE(take(10, t0 + 4999).empty());
  auto counts = queue().count("crm", t0);
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ(counts->by_state[item_state::scheduled], 1);
  EXPECT_EQ(take(10, t0 + 5000).size(), 1u);
}

TEST_F(enqueue_test, enqueue_many_in_one_round_trip_with_snapshots) {
  std::vector<enqueue_request> batch;
  for (int i = 0; i < 450; ++i) {
    std::string provider = i % 3 == 0 ? "mail" : "crm";
    batch.push_back({ref("O" + std::to_string(i), "org/ev1", provider), "order_placed",
                     std::nullopt, std::string("{\"code\":\"O") + std::to_string(i) + "\"}"});
  }
  batch.push_back(batch[1]);  // a duplicate in the same batch updates the first
  auto res = queue().enqueue_many(batch, t0);
  ASSERT_TRUE(res.ok()) << res.error().to_string();
  ASSERT_EQ(res->size(), 451u);
  EXPECT_TRUE((*res)[0].created);
  EXPECT_FALSE((*res)[450].created);
  EXPECT_EQ(raw({"HLEN", "tixsync:{crm}:items"}).integer, 300);
  EXPECT_EQ(raw({"HLEN", "tixsync:{mail}:items"}).integer, 150);
  EXPECT_EQ(raw({"GET", "tixsync:snapshot:{org/ev1}:order:O7"}).str, "{\"code\":\"O7\"}");
}

TEST_F(enqueue_test, same_order_twice_in_one_call_is_one_item) {
  auto res = queue().enqueue_many({{ref("A1"), "order_placed", {}, {}},
                                   {ref("B1"), "order_placed", {}, {}},
                                   {ref("A1"), "order_paid", {}, {}},
                                   {ref("A1"), "order_changed", t0 + 500, {}}},
                                  t0);
  ASSERT_TRUE(res.ok());
  EXPECT_TRUE((*res)[0].created);
  EXPECT_FALSE((*res)[2].created);
  EXPECT_FALSE((*res)[3].created);
  EXPECT_EQ(raw({"HLEN", "tixsync:{crm}:items"}).integer, 2);
  EXPECT_EQ(raw({"ZCARD", "tixsync:{crm}:ready"}).integer, 1);  // A1 now waits for t0 + 500
  auto a1 = queue().get(ref("A1"), t0).value().waiting;
  ASSERT_TRUE(a1);
  EXPECT_EQ(a1->trigger, "order_changed");
  EXPECT_EQ(a1->state, item_state::scheduled);
  EXPECT_EQ(take(10, t0 + 500).size(), 2u);
}

TEST_F(enqueue_test, snapshots_of_several_events_have_no_ttl_while_queued) {
  queue_options o;
  o.snapshot_ttl_ms = 90'000;
  queue_store q(connection(), o);
  ASSERT_TRUE(q.enqueue_many({{ref("A1", "ev1"), "t", {}, "{\"a\":1}"},
                              {ref("B1", "ev2"), "t", {}, "{\"b\":1}"},
                              {ref("A2", "ev1"), "t", {}, std::nullopt}},
                             t0)
                  .ok());
  EXPECT_EQ(raw({"GET", "tixsync:snapshot:{ev1}:order:A1"}).str, "{\"a\":1}");
  EXPECT_EQ(raw({"GET", "tixsync:snapshot:{ev2}:order:B1"}).str, "{\"b\":1}");
  EXPECT_TRUE(raw({"GET", "tixsync:snapshot:{ev1}:order:A2"}).is_nil());
  // The TTL starts when the order has left the queue (retention_test).
  EXPECT_EQ(raw({"PTTL", "tixsync:snapshot:{ev2}:order:B1"}).integer, -1);
}

TEST_F(enqueue_test, bad_input_is_refused_and_changes_nothing) {
  std::vector<enqueue_request> batch = {{ref("GOOD1"), "order_placed", std::nullopt, "{}"},
                                        {ref("bad code"), "order_placed", std::nullopt, "{}"}};
  auto res = queue().enqueue_many(batch, t0);
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.code(), persistence_errc::invalid_identifier);
  EXPECT_NE(res.error().message().find("bad code"), std::string::npos);
  EXPECT_EQ(raw({"DBSIZE"}).integer, 0);
  EXPECT_EQ(queue().enqueue({ref("A1", "org/ev{1}"), "x", std::nullopt, std::nullopt}, t0).code(),
            persistence_errc::invalid_identifier);
  EXPECT_EQ(queue().enqueue({ref("A1", "ev", "crm:x"), "x", std::nullopt, std::nullopt}, t0).code(),
            persistence_errc::invalid_identifier);
  EXPECT_EQ(queue().enqueue({ref("A1"), "", std::nullopt, std::nullopt}, t0).code(),
            persistence_errc::invalid_argument);
  EXPECT_EQ(queue().enqueue({ref("A1"), "x", std::nullopt, std::nullopt}, 0).code(),
            persistence_errc::invalid_argument);
  EXPECT_EQ(raw({"DBSIZE"}).integer, 0);
}

TEST_F(enqueue_test, enqueue_is_logged) {
  add(ref("A1"), t0);
  audit_log log(connection());
  auto entries = log.read(ref("A1"));
  ASSERT_TRUE(entries.ok());
  ASSERT_EQ(entries->size(), 1u);
  EXPECT_EQ((*entries)[0].what, "enqueued");
  EXPECT_EQ((*entries)[0].at_ms, t0);
  EXPECT_EQ((*entries)[0].data["trigger"], "order_placed");
}

}  // namespace
}  // namespace tixsync::persistence::testing
