// Retention and erasure of an order's data against a real Redis: snapshot TTLs start when the
// order has left every provider's queue (never while an item needs the snapshot), results and
// audit logs expire after the last completion (0 keeps them), and forget() erases everything
// stored about an order or refuses while it is queued or in flight.
#include "persistence/queue_store.hpp"
#include "tests/persistence/redis_fixture.hpp"
#include "tests/support/redis_contents.hpp"

namespace tixsync::persistence::testing {
namespace {

constexpr std::int64_t snapshot_ttl = 60'000;
constexpr std::int64_t results_ttl = 120'000;

class retention_test : public redis_fixture {
 protected:
  queue_options queue_opts() const override {
    queue_options o;
    o.snapshot_ttl_ms = snapshot_ttl;
    o.results_ttl_ms = results_ttl;
    o.snapshot_holders = {"crm", "diet"};
    return o;
  }

  /// Enqueues order `code` of org/ev1 for crm and diet, with its snapshot.
  void enqueue_both(const std::string& code, std::int64_t now) {
    const std::string json = R"({"code":")" + code + R"(","email":"jonas@example.org"})";
    auto res = queue().enqueue_many(
        {{ref(code), "order_paid", std::nullopt, json},
         {ref(code, "org/ev1", "diet"), "order_paid", std::nullopt, std::nullopt}},
        now);
    ASSERT_TRUE(res.ok()) << res.error().to_string();
  }

  /// Claims the next item of `provider` and completes it with one result.
  void sync_next(const std::string& provider, std::int64_t now) {
    auto claimed = take(1, now, "n1", provider);
    ASSERT_EQ(claimed.size(), 1u);
    completion done{claimed[0].lease_info(), {}, nlohmann::json::object()};
    auto result = make_result(1, std::nullopt, "Contact", "email", "jonas@example.org", "",
                              "Jonas Berg", nullptr, now, "abc");
    result.provider = provider;
    done.results.push_back(result);
    ASSERT_TRUE(queue().complete(done, now + 1).ok());
  }

  std::int64_t pttl(const std::string& key) { return raw({"PTTL", key}).integer; }

  const std::string snapshot = "tixsync:snapshot:{org/ev1}:order:A1";
};

TEST_F(retention_test, snapshot_expires_only_after_every_provider_synced_the_order) {
  enqueue_both("A1", t0);
  EXPECT_EQ(pttl(snapshot), -1);
  sync_next("crm", t0);
  // diet still has the order queued: its snapshot must stay.
  EXPECT_EQ(pttl(snapshot), -1);
  const auto results = pttl("tixsync:{crm}:results:org/ev1:A1");
  EXPECT_GT(results, results_ttl - 10'000);
  EXPECT_LE(results, results_ttl);
  sync_next("diet", t0 + 10);
  const auto ttl = pttl(snapshot);
  EXPECT_GT(ttl, 0);
  EXPECT_LE(ttl, snapshot_ttl);
  // A new enqueue (a webhook, a resync without a new snapshot) ends the TTL again.
  add(ref("A1"), t0 + 20);
  EXPECT_EQ(pttl(snapshot), -1);
}

TEST_F(retention_test, a_follow_up_keeps_the_snapshot) {
  enqueue_both("A1", t0);
  auto claimed = take(1, t0);
  ASSERT_EQ(claimed.size(), 1u);
  add(ref("A1"), t0 + 1);  // the order changes while crm syncs it: a follow-up
  ASSERT_TRUE(queue().complete({claimed[0].lease_info(), {}, nullptr}, t0 + 2).ok());
  EXPECT_EQ(pttl(snapshot), -1);
}

TEST_F(retention_test, canceling_the_last_item_starts_the_snapshot_ttl) {
  ASSERT_TRUE(queue().enqueue({ref("A1"), "order_paid", std::nullopt, "{}"}, t0).ok());
  ASSERT_TRUE(queue().cancel(ref("A1"), t0 + 1, "test").ok());
  EXPECT_GT(pttl(snapshot), 0);
}

TEST_F(retention_test, zero_keeps_results_and_logs) {
  queue_options o;
  o.audit_log_retention_ms = 0;
  o.results_ttl_ms = 0;
  queue_store q(connection(), o);
  ASSERT_TRUE(q.enqueue({ref("A1"), "order_paid", std::nullopt, "{}"}, t0).ok());
  auto claimed = q.claim("crm", "n1", 1, lease_ms, t0);
  ASSERT_TRUE(claimed.ok() && claimed->size() == 1u);
  completion done{(*claimed)[0].lease_info(), {}, nullptr};
  done.results.push_back(
      make_result(1, std::nullopt, "Contact", "email", "x", "", "", nullptr, t0, "f"));
  ASSERT_TRUE(q.complete(done, t0 + 1).ok());
  EXPECT_EQ(pttl("tixsync:{crm}:log:org/ev1:A1"), -1);
  EXPECT_EQ(pttl("tixsync:{crm}:results:org/ev1:A1"), -1);
  EXPECT_EQ(pttl(snapshot), -1);  // snapshot_ttl_ms 0: kept
}

using tixsync::testing::keys_mentioning;

TEST_F(retention_test, forget_erases_everything_about_the_order) {
  enqueue_both("A1", t0);
  enqueue_both("B2", t0);
  sync_next("crm", t0);  // A1 (oldest first)
  auto diet = take(1, t0, "n1", "diet");
  ASSERT_EQ(diet.size(), 1u);
  park_request parked{diet[0].lease_info(),
                      park_state::permanent,
                      {"HTTP 422: jonas@example.org is invalid"},
                      "jonas@example.org",
                      ""};
  ASSERT_TRUE(queue().park(parked, t0 + 5).ok());

  auto report = queue().forget("org/ev1", "A1", {"crm", "diet"}, t0 + 10);
  ASSERT_TRUE(report.ok()) << report.error().to_string();
  EXPECT_EQ(report->providers, (std::vector<std::string>{"crm", "diet"}));
  EXPECT_TRUE(report->snapshot);
  EXPECT_EQ(keys_mentioning(connection(), "A1"), std::vector<std::string>{});
  EXPECT_EQ(keys_mentioning(connection(), "jonas@example.org"),
            std::vector<std::string>{"tixsync:snapshot:{org/ev1}:order:B2"});
  EXPECT_TRUE(raw({"HGETALL", "tixsync:{diet}:causes"}).elements.empty());
  // B2 is untouched and still syncs.
  EXPECT_EQ(queue().count("crm", t0 + 10).value().total(), 1);
  // Nothing left: 404, nothing changed.
  EXPECT_EQ(queue().forget("org/ev1", "A1", {"crm", "diet"}, t0 + 20).code(),
            persistence_errc::not_found);
}

TEST_F(retention_test, forget_refuses_while_queued_or_in_flight_and_changes_nothing) {
  enqueue_both("A1", t0);
  sync_next("crm", t0);
  const auto before = raw({"DBSIZE"}).integer;
  auto queued = queue().forget("org/ev1", "A1", {"crm", "diet"}, t0 + 10);
  EXPECT_EQ(queued.code(), persistence_errc::in_flight);
  EXPECT_NE(queued.error().message().find("queued for diet"), std::string::npos);
  EXPECT_EQ(raw({"DBSIZE"}).integer, before);
  auto claimed = take(1, t0 + 10, "n1", "diet");
  ASSERT_EQ(claimed.size(), 1u);
  const auto claimed_size = raw({"DBSIZE"}).integer;
  auto running = queue().forget("org/ev1", "A1", {"crm", "diet"}, t0 + 11);
  EXPECT_EQ(running.code(), persistence_errc::in_flight);
  EXPECT_NE(running.error().message().find("in flight for diet"), std::string::npos);
  EXPECT_EQ(raw({"DBSIZE"}).integer, claimed_size);
  EXPECT_EQ(raw({"EXISTS", "tixsync:{crm}:results:org/ev1:A1"}).integer, 1);
  EXPECT_EQ(queue().forget("org/ev1", "bad code", {"crm"}, t0).code(),
            persistence_errc::invalid_identifier);
}

}  // namespace
}  // namespace tixsync::persistence::testing
