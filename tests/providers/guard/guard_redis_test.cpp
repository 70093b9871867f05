// The fleet-wide rate limit of guarded providers against a real redis-server: two "nodes" (two
// guards, each with its own connection) share one provider's bucket and together never start
// more calls than the bucket granted; the chunk size; an unreachable Redis falls back to the
// node's share with one warning, and the guard goes back to Redis when it returns; the tokens are
// taken on the rate limit's own Redis thread.
#include <pthread.h>

#include <algorithm>
#include <mutex>
#include <string>
#include <vector>

#include "providers/guard/fleet_rate_limit.hpp"
#include "providers/guard/guarded_provider.hpp"
#include "tests/providers/guard/guard_test_support.hpp"
#include "tests/support/redis_server.hpp"

namespace tixsync::providers::guard::testing {
namespace {

using std::chrono::milliseconds;
using mode = scripted_provider::mode;

fleet_options fleet_at(const std::string& host, int port) {
  fleet_options f;
  f.redis.host = host;
  f.redis.port = port;
  f.redis.connect_timeout = milliseconds(500);
  f.redis.command_timeout = milliseconds(2000);
  f.retry_redis_after = milliseconds(200);
  return f;
}

guard_options shared_limit(double rate, int burst, fleet_options fleet, log_sink log = {}) {
  guard_options o;
  o.limits.concurrency = 1000;
  o.limits.rate = rate;
  o.limits.burst = burst;
  o.limits.shared = true;
  o.limits.max_wait = std::chrono::seconds(30);
  o.limits.max_waiting = 100000;
  o.fleet = std::move(fleet);
  o.log = std::move(log);
  return o;
}

class GuardRedisTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = std::make_unique<tixsync::testing::redis_server>(); }
  static void TearDownTestSuite() { server_.reset(); }
  void SetUp() override {
    if (!server_->running()) server_->start();
    persistence::redis_connection c(fleet_at(server_->host(), server_->port()).redis);
    auto flushed = c.command({"FLUSHALL"});
    ASSERT_TRUE(flushed.ok()) << flushed.error().to_string();
  }
  static fleet_options fleet() { return fleet_at(server_->host(), server_->port()); }
  static inline std::unique_ptr<tixsync::testing::redis_server> server_;
};

TEST_F(GuardRedisTest, TwoNodesTogetherStartNoMoreCallsThanTheBucketGrants) {
  constexpr double rate = 50;
  constexpr int burst = 10, per_node = 60, total = 2 * per_node;
  auto inner_a = std::make_shared<scripted_provider>(mode::at_once);
  auto inner_b = std::make_shared<scripted_provider>(mode::at_once);
  result_log results(total);
  const auto start = std::chrono::system_clock::now();
  guarded_provider a(shared_limit(rate, burst, fleet()), inner_a);
  guarded_provider b(shared_limit(rate, burst, fleet()), inner_b);
  std::thread node_b([&] {
    for (int i = 0; i < per_node; ++i) b.sync_object({}, results.completion_for(per_node + i));
  });
  for (int i = 0; i < per_node; ++i) a.sync_object({}, results.completion_for(i));
  node_b.join();
  ASSERT_TRUE(eventually([&] { return results.delivered() == total; }))
      << results.delivered() << " of " << total;
  const auto end = std::chrono::system_clock::now();
  EXPECT_TRUE(results.each_exactly_once());
  const guard_stats sa = a.stats(), sb = b.stats();
  const std::uint64_t admitted = sa.admitted + sb.admitted;
  const std::uint64_t granted = sa.redis_tokens_taken + sb.redis_tokens_taken;
  EXPECT_EQ(admitted, static_cast<std::uint64_t>(inner_a->calls + inner_b->calls));
  EXPECT_LE(admitted, granted);  // a call needs a token from the shared bucket
  // Redis' clock is this machine's: the bucket started full and filled at `rate` since.
  const double elapsed = std::chrono::duration<double>(end - start).count() + 0.002;
  EXPECT_LE(static_cast<double>(granted), burst + rate * elapsed);
  EXPECT_FALSE(sa.redis_fallback);
  EXPECT_EQ(sa.redis_failures + sb.redis_failures, 0u);
  EXPECT_GT(sa.redis_calls, 0u);
  EXPECT_GT(sb.redis_calls, 0u);
  a.close();
  b.close();
}

TEST(FleetRateLimit, TakesATenthOfTheRatePerRedisCall) {
  const auto chunk = [](double rate, int burst) {
    limit_options l;
    l.rate = rate;
    l.burst = burst;
    return fleet_rate_limit("crm", l, fleet_options{}, {}, real_clock()).chunk();
  };
  EXPECT_EQ(chunk(100, 50), 10);
  EXPECT_EQ(chunk(1000, 20), 20);  // never more than the burst
  EXPECT_EQ(chunk(5, 10), 1);      // at least one
  limit_options l;
  l.rate = 100;
  l.burst = 50;
  fleet_rate_limit f("crm", l, fleet_options{}, {}, real_clock());
  EXPECT_EQ(f.wanted(0), 1);
  EXPECT_EQ(f.wanted(3), 3);  // no more than the waiting calls need
  EXPECT_EQ(f.wanted(500), 10);
}

TEST_F(GuardRedisTest, TokensAreTakenOnTheRateLimitsOwnRedisThread) {
  fleet_options f = fleet();
  std::mutex mutex;
  std::vector<std::string> threads;
  f.redis.round_trip = [&](std::chrono::microseconds) {
    char name[16] = {};
    pthread_getname_np(pthread_self(), name, sizeof name);
    std::lock_guard<std::mutex> lock(mutex);
    threads.push_back(name);
  };
  limit_options l;
  l.rate = 100;
  l.burst = 50;
  fleet_rate_limit limit("crm", l, f, {}, real_clock());
  const auto result = limit.fetch(3);
  ASSERT_TRUE(result.ok) << result.error;
  EXPECT_EQ(result.granted, 3);
  std::lock_guard<std::mutex> lock(mutex);
  ASSERT_FALSE(threads.empty());
  for (const auto& name : threads) EXPECT_EQ(name, "tx-fleet-0");
}

TEST_F(GuardRedisTest, AnUnreachableRedisFallsBackToTheNodesShareWithOneWarning) {
  log_lines logs;
  guard_options o = shared_limit(
      100, 10, fleet_at("127.0.0.1", tixsync::testing::redis_server::free_port()), logs.sink());
  o.limits.expected_nodes = 2;  // this node's share: 50/s, burst 5
  auto inner = std::make_shared<scripted_provider>(mode::at_once);
  constexpr int total = 30;
  result_log results(total);
  guarded_provider g(o, inner);
  for (int i = 0; i < total; ++i) g.sync_object({}, results.completion_for(i));
  ASSERT_TRUE(eventually([&] { return results.delivered() == total; }));
  EXPECT_TRUE(results.each_exactly_once());
  EXPECT_EQ(results.with_signature(""), static_cast<std::size_t>(total));  // fail-safe, not closed
  const guard_stats s = g.stats();
  EXPECT_TRUE(s.redis_fallback);
  EXPECT_GE(s.redis_failures, 1u);
  EXPECT_EQ(s.redis_tokens_taken, 0u);
  EXPECT_EQ(logs.count("Redis unreachable"), 1) << ::testing::PrintToString(logs.lines());
  EXPECT_EQ(logs.count("using this node's share 50/s"), 1);
  g.close();
}

TEST_F(GuardRedisTest, GoesBackToRedisWhenItReturns) {
  log_lines logs;
  auto inner = std::make_shared<scripted_provider>(mode::at_once);
  constexpr int capacity = 5000;
  result_log results(capacity);
  guarded_provider g(shared_limit(1000, 100, fleet(), logs.sink()), inner);
  int next = 0;
  // Keeps calls coming (one per 5 ms, bounded) until `done` holds.
  const auto call_until = [&](const std::function<bool()>& done) {
    const auto until = std::chrono::steady_clock::now() + wait_limit;
    while (!done() && next < capacity && std::chrono::steady_clock::now() < until) {
      g.sync_object({}, results.completion_for(next++));
      std::this_thread::sleep_for(milliseconds(5));
    }
    return done();
  };
  ASSERT_TRUE(call_until([&] { return g.stats().redis_tokens_taken > 0; }));
  server_->stop();
  ASSERT_TRUE(call_until([&] { return g.stats().redis_fallback; }));
  server_->start();
  ASSERT_TRUE(call_until([&] { return !g.stats().redis_fallback; }));
  const std::size_t sent = static_cast<std::size_t>(next);
  ASSERT_TRUE(eventually([&] { return results.delivered() == sent; }));
  EXPECT_EQ(results.with_signature(""), sent);  // the per-node share kept calls going
  EXPECT_EQ(logs.count("Redis unreachable"), 1) << ::testing::PrintToString(logs.lines());
  EXPECT_EQ(logs.count("Redis is back"), 1);
  g.close();
}

}  // namespace
}  // namespace tixsync::providers::guard::testing
