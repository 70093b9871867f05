// Redis going away in the middle: a crash (SIGKILL) and a graceful restart with appendfsync
// always lose nothing acknowledged; scripts are reloaded after NOSCRIPT; while Redis is down
// every call fails fast with a clear error instead of hanging.
#include <chrono>

#include "persistence/queue_store.hpp"
#include "tests/persistence/redis_fixture.hpp"

namespace tixsync::persistence::testing {
namespace {

using namespace std::chrono_literals;

class restart_test : public redis_fixture {
 protected:
  // A call after the restart may meet the dead socket once (connection_lost: it did not run or
  // the caller cannot know); the next call reconnects. Retried at most 3 times.
  template <class F>
  auto with_reconnect(F call) {
    auto result = call();
    for (int i = 0; i < 3 && result.code() == persistence_errc::connection_lost; ++i) {
      result = call();
    }
    return result;
  }

  void fill_and_work(std::vector<claimed_item>& in_flight) {
    std::vector<enqueue_request> batch;
    for (int i = 0; i < 200; ++i) {
      batch.push_back({ref("R" + std::to_string(i)), "order_placed", std::nullopt,
                       "{\"code\":\"R" + std::to_string(i) + "\"}"});
    }
    ASSERT_TRUE(queue().enqueue_many(batch, t0).ok());
    in_flight = take(50, t0 + 1);
    ASSERT_EQ(in_flight.size(), 50u);
    for (int i = 0; i < 10; ++i) {
      ASSERT_TRUE(queue().complete({in_flight[i].lease_info(), {}, nullptr}, t0 + 2).ok());
    }
    in_flight.erase(in_flight.begin(), in_flight.begin() + 10);
  }

  void check_nothing_lost(const std::vector<claimed_item>& in_flight) {
    auto counts = with_reconnect([&] { return queue().count("crm", t0 + 3); });
    ASSERT_TRUE(counts.ok()) << counts.error().to_string();
    EXPECT_EQ(counts->by_state[item_state::due], 150);
    EXPECT_EQ(counts->by_state[item_state::in_flight], 40);
    snapshot_store snapshots(connection());
    EXPECT_EQ(*snapshots.get_order("org/ev1", "R199").value(), "{\"code\":\"R199\"}");
    // Scripts are gone from the restarted server: NOSCRIPT -> reload -> run.
    EXPECT_EQ(raw({"SCRIPT", "EXISTS", find_script("complete")->sha1}).elements[0].integer, 0);
    // Leases and fencing tokens survived: the old tokens still complete, new ones are larger.
    EXPECT_TRUE(queue().complete({in_flight[0].lease_info(), {}, nullptr}, t0 + 4).ok());
    auto fresh = take(1, t0 + 5);
    ASSERT_EQ(fresh.size(), 1u);
    EXPECT_GT(fresh[0].item.token, in_flight.back().item.token);
  }
};

TEST_F(restart_test, redis_crash_loses_nothing_with_appendfsync_always) {
  std::vector<claimed_item> in_flight;
  fill_and_work(in_flight);
  server().kill();  // SIGKILL: no shutdown, only what the AOF fsynced
  server().start();
  check_nothing_lost(in_flight);
}

TEST_F(restart_test, graceful_restart_in_the_middle) {
  std::vector<claimed_item> in_flight;
  fill_and_work(in_flight);
  server().restart();
  check_nothing_lost(in_flight);
}

TEST_F(restart_test, redis_down_gives_a_clear_error_fast_then_recovers) {
  add(ref("A1"), t0);
  server().stop();
  const auto start = std::chrono::steady_clock::now();
  auto claimed = queue().claim("crm", "n1", 10, lease_ms, t0);
  auto enqueued = queue().enqueue({ref("A2"), "t", {}, {}}, t0);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  ASSERT_FALSE(claimed.ok());
  EXPECT_TRUE(claimed.code() == persistence_errc::connection_lost ||
              claimed.code() == persistence_errc::unreachable)
      << claimed.error().to_string();
  EXPECT_EQ(enqueued.code(), persistence_errc::unreachable);
  EXPECT_NE(enqueued.error().to_string().find("Redis unreachable"), std::string::npos);
  server().start();
  auto after = with_reconnect([&] { return queue().enqueue({ref("A2"), "t", {}, {}}, t0); });
  ASSERT_TRUE(after.ok()) << after.error().to_string();
  EXPECT_EQ(take(10, t0 + 1).size(), 2u);
}

TEST_F(restart_test, script_flush_between_pipelined_batches_is_survived) {
  for (int round = 0; round < 3; ++round) {
    std::vector<enqueue_request> batch;
    for (int i = 0; i < 300; ++i) {
      batch.push_back({ref("F" + std::to_string(round) + "_" + std::to_string(i)), "t", {}, {}});
    }
    ASSERT_TRUE(queue().enqueue_many(batch, t0).ok());
    auto c = take(100, t0);
    ASSERT_EQ(c.size(), 100u);
    std::vector<completion> done;
    for (auto& item : c) done.push_back({item.lease_info(), {}, nullptr});
    EXPECT_EQ(raw({"SCRIPT", "FLUSH"}).str, "OK");
    auto res = queue().complete_many(done, t0 + 1);
    ASSERT_TRUE(res.ok());
    for (const auto& s : *res) EXPECT_TRUE(s.ok());
  }
  EXPECT_EQ(raw({"HLEN", "tixsync:{crm}:items"}).integer, 600);
}

}  // namespace
}  // namespace tixsync::persistence::testing
