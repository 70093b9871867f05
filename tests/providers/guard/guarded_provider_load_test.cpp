// guarded_provider under concurrent load from many threads with the real clock: calls in flight
// never exceed the limit, every completion arrives exactly once, and the admitted rate never
// exceeds rate * elapsed + burst. Only upper bounds are asserted: a slow machine admits fewer
// calls, never more.
#include <algorithm>

#include "providers/guard/guarded_provider.hpp"
#include "tests/providers/guard/guard_test_support.hpp"

namespace tixsync::providers::guard::testing {
namespace {

using std::chrono::milliseconds;
using mode = scripted_provider::mode;

/// Runs `per_thread` calls on each of `threads` threads, numbered thread * per_thread + i.
void submit_from_threads(guarded_provider& g, result_log& results, int threads, int per_thread) {
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&g, &results, t, per_thread] {
      for (int i = 0; i < per_thread; ++i) {
        g.sync_object(object_request{}, results.completion_for(t * per_thread + i));
      }
    });
  }
  for (auto& w : workers) w.join();
}

TEST(GuardedProviderLoad, SlotsNeverExceedTheLimit) {
  constexpr int threads = 8, per_thread = 250, total = threads * per_thread;
  auto inner = std::make_shared<scripted_provider>(mode::later, std::chrono::microseconds(200));
  guard_options o;
  o.limits.concurrency = 4;
  o.limits.max_wait = std::chrono::minutes(10);  // nobody is turned away
  o.limits.max_waiting = total;
  result_log results(total);
  guarded_provider g(o, inner);
  submit_from_threads(g, results, threads, per_thread);
  ASSERT_TRUE(eventually([&] { return results.delivered() == total; }))
      << results.delivered() << " of " << total;
  EXPECT_TRUE(results.each_exactly_once());
  EXPECT_EQ(results.with_signature(""), static_cast<std::size_t>(total));
  EXPECT_LE(inner->max_in_flight.load(), 4);
  EXPECT_GE(inner->max_in_flight.load(), 1);
  EXPECT_EQ(inner->calls.load(), total);
  const guard_stats s = g.stats();
  EXPECT_EQ(s.admitted, static_cast<std::uint64_t>(total));
  EXPECT_EQ(s.in_flight, 0);
  EXPECT_EQ(s.waiting, 0u);
  g.close();
}

TEST(GuardedProviderLoad, EveryCompletionOnceWhenClosedUnderLoad) {
  constexpr int threads = 6, per_thread = 200, total = threads * per_thread;
  auto inner = std::make_shared<scripted_provider>(mode::later, std::chrono::microseconds(500));
  guard_options o;
  o.limits.concurrency = 2;
  o.limits.max_wait = std::chrono::minutes(10);
  o.limits.max_waiting = total;
  result_log results(total);
  guarded_provider g(o, inner);
  std::thread closer([&] {
    eventually([&] { return results.delivered() >= 20; });
    g.close();
  });
  submit_from_threads(g, results, threads, per_thread);
  closer.join();
  ASSERT_TRUE(eventually([&] { return results.delivered() == total; }))
      << results.delivered() << " of " << total;
  EXPECT_TRUE(results.each_exactly_once());
  const std::size_t ok = results.with_signature("");
  const std::size_t shut = results.with_signature("shutting-down");
  EXPECT_EQ(ok + shut, static_cast<std::size_t>(total));
  EXPECT_EQ(ok, static_cast<std::size_t>(inner->calls.load()));
  EXPECT_LE(inner->max_in_flight.load(), 2);
}

TEST(GuardedProviderLoad, AdmittedRateNeverExceedsRateTimesElapsedPlusBurst) {
  constexpr double rate = 40;
  constexpr int burst = 5, threads = 4, per_thread = 20, total = threads * per_thread;
  auto inner = std::make_shared<scripted_provider>(mode::at_once);
  guard_options o;
  o.limits.concurrency = 1000;
  o.limits.rate = rate;
  o.limits.burst = burst;
  o.limits.max_wait = std::chrono::seconds(30);
  o.limits.max_waiting = total;
  result_log results(total);
  const guard_time start = guard_clock::now();  // before the bucket exists (it starts full)
  guarded_provider g(o, inner);
  submit_from_threads(g, results, threads, per_thread);
  ASSERT_TRUE(eventually([&] { return results.delivered() == total; }))
      << results.delivered() << " of " << total;
  EXPECT_TRUE(results.each_exactly_once());
  std::vector<guard_time> times = inner->call_times();
  ASSERT_FALSE(times.empty());
  std::sort(times.begin(), times.end());
  for (std::size_t i = 0; i < times.size(); ++i) {
    const double elapsed = std::chrono::duration<double>(times[i] - start).count();
    // The (i+1)-th call started after the bucket granted its token, at most at times[i].
    EXPECT_LE(static_cast<double>(i + 1), burst + rate * elapsed + 1e-6)
        << "call " << i + 1 << " at " << elapsed << " s";
  }
  const guard_stats s = g.stats();
  EXPECT_EQ(s.admitted, times.size());
  EXPECT_EQ(s.admitted + s.rejected_local_rate_limit, static_cast<std::uint64_t>(total));
  g.close();
}

}  // namespace
}  // namespace tixsync::providers::guard::testing
