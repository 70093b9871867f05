// The fleet-wide token bucket in Redis (take_tokens-10.lua through rate_limit_store): burst then
// rate with times passed in, two "nodes" on separate connections sharing one provider's bucket,
// chunked taking, the server's clock bounding what two nodes get, key expiry, bad input.
#include "persistence/rate_limit_store.hpp"

#include <chrono>
#include <thread>

#include "tests/persistence/redis_fixture.hpp"

namespace tixsync::persistence::testing {
namespace {

class rate_limit_store_test : public redis_fixture {
 protected:
  /// A take that must succeed.
  static token_grant take(rate_limit_store& store, int wanted, std::int64_t now, double rate = 10,
                          int burst = 5, const std::string& provider = "crm") {
    auto grant = store.take(provider, rate, burst, wanted, now);
    EXPECT_TRUE(grant.ok()) << grant.error().to_string();
    return grant.ok() ? *grant : token_grant{};
  }
};

TEST_F(rate_limit_store_test, grants_the_burst_then_the_rate) {
  rate_limit_store store(connection());
  token_grant g = take(store, 3, t0);
  EXPECT_EQ(g.granted, 3);
  EXPECT_EQ(g.wait.count(), 0);  // two are left
  EXPECT_EQ(g.now_ms, t0);
  g = take(store, 5, t0);
  EXPECT_EQ(g.granted, 2);
  EXPECT_EQ(g.wait.count(), 100);  // 10 per second
  g = take(store, 1, t0 + 50);
  EXPECT_EQ(g.granted, 0);
  EXPECT_EQ(g.wait.count(), 50);
  EXPECT_DOUBLE_EQ(g.left, 0.5);
  g = take(store, 5, t0 + 100);
  EXPECT_EQ(g.granted, 1);
  g = take(store, 5, t0 + 10'000);  // a long pause fills only up to the burst
  EXPECT_EQ(g.granted, 5);
}

TEST_F(rate_limit_store_test, two_nodes_share_one_providers_bucket) {
  redis_connection other(options());
  rate_limit_store node_a(connection());
  rate_limit_store node_b(other);
  int total = 0;
  for (int step = 0; step <= 20; ++step) {  // two seconds in 100 ms steps
    const std::int64_t now = t0 + step * 100;
    total += take(node_a, 3, now).granted;
    total += take(node_b, 3, now).granted;
    EXPECT_LE(total, 5 + step) << "at step " << step;  // burst + rate * elapsed
  }
  EXPECT_EQ(total, 5 + 20);  // both asked for more than the bucket had: it gave all of it
  // Another provider has its own bucket.
  EXPECT_EQ(take(node_a, 5, t0 + 2000, 10, 5, "mail").granted, 5);
}

TEST_F(rate_limit_store_test, takes_in_chunks) {
  rate_limit_store store(connection());
  EXPECT_EQ(take(store, 10, t0, 100, 25).granted, 10);
  EXPECT_EQ(take(store, 10, t0, 100, 25).granted, 10);
  EXPECT_EQ(take(store, 10, t0, 100, 25).granted, 5);  // what is left
  EXPECT_EQ(take(store, 10, t0 + 50, 100, 25).granted, 5);
  EXPECT_EQ(take(store, 100, t0 + 10'000, 100, 25).granted, 25);  // never more than the burst
}

TEST_F(rate_limit_store_test, the_servers_clock_bounds_two_nodes) {
  constexpr double rate = 200;
  constexpr int burst = 20;
  redis_connection other(options());
  rate_limit_store node_a(connection());
  rate_limit_store node_b(other);
  int total = 0;
  std::int64_t first = 0, last = 0;
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(300);
  for (int i = 0; i < 100000 && std::chrono::steady_clock::now() < until; ++i) {
    rate_limit_store& node = i % 2 == 0 ? node_a : node_b;
    auto g = node.take("crm", rate, burst, 4);  // the server's TIME
    ASSERT_TRUE(g.ok()) << g.error().to_string();
    if (first == 0) first = g->now_ms;
    last = g->now_ms;
    total += g->granted;
  }
  EXPECT_GT(first, 1'600'000'000'000);  // unix ms
  EXPECT_LE(total, burst + rate * static_cast<double>(last - first) / 1000.0 + 1e-6);
  EXPECT_GE(total, burst);  // the full bucket at the start
}

TEST_F(rate_limit_store_test, lives_in_the_providers_slot_and_expires_when_idle) {
  rate_limit_store store(connection());
  EXPECT_EQ(store.key("crm"), "tixsync:{crm}:rate_limit");
  EXPECT_EQ(take(store, 5, 0, 100, 5).granted, 5);  // the server's clock
  const redis_value ttl = raw({"PTTL", "tixsync:{crm}:rate_limit"});
  EXPECT_GT(ttl.integer, 0);
  EXPECT_LE(ttl.integer, 5 * 1000 / 100 + 1000);  // full again after 50 ms, plus a second
  EXPECT_EQ(raw({"HGET", "tixsync:{crm}:rate_limit", "tokens"}).str, "0");
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (raw({"EXISTS", "tixsync:{crm}:rate_limit"}).integer == 1 &&
         std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(raw({"EXISTS", "tixsync:{crm}:rate_limit"}).integer, 0);
  EXPECT_EQ(take(store, 5, 0, 100, 5).granted, 5);  // gone means full
  rate_limit_store prefixed(connection(), key_space("shop1"));
  EXPECT_EQ(prefixed.key("crm"), "shop1:{crm}:rate_limit");
}

TEST_F(rate_limit_store_test, a_node_clock_behind_refills_nothing) {
  rate_limit_store store(connection());
  EXPECT_EQ(take(store, 5, t0 + 1000).granted, 5);
  EXPECT_EQ(take(store, 5, t0).granted, 0);  // 1 s behind: no refill, no error
  EXPECT_EQ(take(store, 5, t0 + 1100).granted, 1);
}

/// What the destination said: `remaining` left, restored in `reset_ms`, read `age_ms` ago.
quota_announcement announced(double remaining, double reset_ms, double rate = 0,
                             double age_ms = 0) {
  quota_announcement a;
  a.remaining = remaining;
  a.reset_ms = reset_ms;
  a.rate = rate;
  a.age_ms = age_ms;
  return a;
}

TEST_F(rate_limit_store_test, an_announced_quota_caps_the_bucket_until_its_reset) {
  rate_limit_store store(connection());
  // A full bucket of 50 at 100/s, but the destination has 10 left for the next second.
  auto g = store.take("crm", 100, 50, 1, t0, announced(10, 1000));
  ASSERT_TRUE(g.ok()) << g.error().to_string();
  EXPECT_EQ(g->granted, 1);
  EXPECT_EQ(take(store, 20, t0, 100, 50).granted, 9);
  g = store.take("crm", 100, 50, 1, t0 + 500);
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->granted, 0);  // nothing flows in until the reset
  EXPECT_EQ(g->wait.count(), 500 + 10);
  EXPECT_EQ(take(store, 20, t0 + 1010, 100, 50).granted, 1);  // then the rate again
}

TEST_F(rate_limit_store_test, what_is_left_is_spread_until_the_reset) {
  rate_limit_store store(connection());
  auto g = store.take("crm", 100, 5, 5, t0, announced(25, 2000));
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->granted, 5);
  // 20 more until the reset in 2 s: 10 per second, not 100.
  EXPECT_EQ(take(store, 20, t0 + 1000, 100, 5).granted, 5);  // the burst caps the bucket
  int total = 10;
  for (std::int64_t at = t0 + 1100; at <= t0 + 2000; at += 100) {
    total += take(store, 20, at, 100, 5).granted;
  }
  EXPECT_LE(total, 25);
}

TEST_F(rate_limit_store_test, an_announced_rate_lowers_the_refill) {
  rate_limit_store store(connection());
  auto g = store.take("crm", 100, 5, 5, t0, announced(1000, -1, 5));
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->granted, 5);
  EXPECT_EQ(g->wait.count(), 200);  // 5 per second, the quota's rate
  EXPECT_EQ(take(store, 5, t0 + 1000, 100, 5).granted, 5);
  EXPECT_EQ(take(store, 5, t0 + 1100, 100, 5).granted, 0);
}

TEST_F(rate_limit_store_test, a_stale_announcement_is_ignored) {
  rate_limit_store store(connection());
  ASSERT_TRUE(store.take("crm", 100, 50, 10, t0, announced(10, 1000)).ok());
  // Read 500 ms ago, before the one applied: it would allow 40 more in the next half second.
  auto g = store.take("crm", 100, 50, 1, t0 + 100, announced(40, 1000, 0, 500));
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->granted, 0);
  EXPECT_EQ(take(store, 10, t0 + 200, 100, 50).granted, 0);
}

TEST_F(rate_limit_store_test, grants_after_the_announcing_request_are_not_in_its_count) {
  rate_limit_store store(connection());
  auto g = store.take("crm", 100, 50, 10, t0);
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->granted_total, 10);
  // The request went out after grant 4: grants 5..10 may be missing from "12 left".
  quota_announcement a = announced(12, 1000);
  a.granted_at_send = 4;
  g = store.take("crm", 100, 50, 50, t0, a);
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->granted, 6);
  EXPECT_EQ(g->granted_total, 16);
}

TEST_F(rate_limit_store_test, an_announcement_read_a_fraction_of_a_ms_ago_is_applied) {
  rate_limit_store store(connection());
  auto g = store.take("crm", 100, 50, 1, t0, announced(10, 1000, 10, 6.337));
  ASSERT_TRUE(g.ok()) << g.error().to_string();
  EXPECT_EQ(g->granted, 1);
  EXPECT_GT(raw({"PTTL", "tixsync:{crm}:rate_limit"}).integer, 0);
}

TEST_F(rate_limit_store_test, bad_input_changes_nothing) {
  rate_limit_store store(connection());
  EXPECT_EQ(store.take("crm", 0, 5, 1).code(), persistence_errc::invalid_argument);
  EXPECT_EQ(store.take("crm", 10, 0, 1).code(), persistence_errc::invalid_argument);
  EXPECT_EQ(store.take("crm", 10, 5, 0).code(), persistence_errc::invalid_argument);
  EXPECT_EQ(store.take("bad provider", 10, 5, 1).code(), persistence_errc::invalid_identifier);
  rate_limit_store bad_prefix(connection(), key_space("no spaces"));
  EXPECT_EQ(bad_prefix.take("crm", 10, 5, 1).code(), persistence_errc::invalid_identifier);
  EXPECT_EQ(raw({"DBSIZE"}).integer, 0);
}

}  // namespace
}  // namespace tixsync::persistence::testing
