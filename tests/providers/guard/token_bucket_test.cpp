// token_bucket with a fake clock: starts full, refills at the rate, never holds more than the
// burst, answers the wait until a token, estimates for callers in line, unlimited and bad input.
#include "providers/guard/token_bucket.hpp"

#include <stdexcept>

#include "tests/providers/guard/guard_test_support.hpp"

namespace tixsync::providers::guard::testing {
namespace {

using std::chrono::milliseconds;

// Waits are computed in floating point and rounded up to the clock's tick: equal within 1 us.
::testing::AssertionResult about(guard_duration actual, guard_duration expected) {
  const auto diff = actual > expected ? actual - expected : expected - actual;
  if (diff <= std::chrono::microseconds(1)) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << actual.count() << "ns is not about " << expected.count() << "ns";
}

TEST(TokenBucket, StartsFullAndRefusesWhenEmpty) {
  fake_clock clock;
  token_bucket bucket(2.0, 3, clock.source());
  EXPECT_TRUE(bucket.take().granted);
  EXPECT_TRUE(bucket.take().granted);
  EXPECT_TRUE(bucket.take().granted);
  const token_take refused = bucket.take();
  EXPECT_FALSE(refused.granted);
  EXPECT_TRUE(about(refused.wait, milliseconds(500)));  // one token at 2 per second
  EXPECT_DOUBLE_EQ(bucket.available(), 0.0);
}

TEST(TokenBucket, RefillsAtTheRate) {
  fake_clock clock;
  token_bucket bucket(4.0, 1, clock.source());
  ASSERT_TRUE(bucket.take().granted);
  clock.advance(milliseconds(100));
  token_take t = bucket.take();
  EXPECT_FALSE(t.granted);
  EXPECT_TRUE(about(t.wait, milliseconds(150)));
  clock.advance(milliseconds(151));
  EXPECT_TRUE(bucket.take().granted);
  EXPECT_FALSE(bucket.take().granted);
}

TEST(TokenBucket, NeverHoldsMoreThanTheBurst) {
  fake_clock clock;
  token_bucket bucket(10.0, 5, clock.source());
  clock.advance(std::chrono::hours(2));
  EXPECT_DOUBLE_EQ(bucket.available(), 5.0);
  int granted = 0;
  for (int i = 0; i < 20; ++i) granted += bucket.take().granted ? 1 : 0;
  EXPECT_EQ(granted, 5);
}

TEST(TokenBucket, TakesSeveralAtOnce) {
  fake_clock clock;
  token_bucket bucket(1.0, 4, clock.source());
  EXPECT_TRUE(bucket.take(3).granted);
  const token_take t = bucket.take(2);
  EXPECT_FALSE(t.granted);
  EXPECT_TRUE(about(t.wait, milliseconds(1000)));
  EXPECT_DOUBLE_EQ(bucket.available(), 1.0);  // a refused take takes nothing
  EXPECT_THROW(bucket.take(5), std::invalid_argument);
  EXPECT_THROW(bucket.take(0), std::invalid_argument);
}

TEST(TokenBucket, TimeUntilEstimatesTheLine) {
  fake_clock clock;
  token_bucket bucket(10.0, 2, clock.source());
  EXPECT_EQ(bucket.time_until(1), guard_duration::zero());
  EXPECT_EQ(bucket.time_until(2), guard_duration::zero());
  EXPECT_TRUE(about(bucket.time_until(3), milliseconds(100)));  // beyond the burst: the 3rd in line
  EXPECT_TRUE(about(bucket.time_until(12), milliseconds(1000)));
  EXPECT_DOUBLE_EQ(bucket.available(), 2.0);  // estimating takes nothing
}

TEST(TokenBucket, WaitsAreRoundedUp) {
  fake_clock clock;
  token_bucket bucket(3.0, 1, clock.source());
  ASSERT_TRUE(bucket.take().granted);
  const token_take t = bucket.take();
  ASSERT_FALSE(t.granted);
  EXPECT_GE(t.wait * 3, std::chrono::seconds(1));
  clock.advance(t.wait);
  EXPECT_TRUE(bucket.take().granted);  // sleeping for the answer finds the token
}

TEST(TokenBucket, UnlimitedAlwaysGrants) {
  fake_clock clock;
  token_bucket bucket(0, 1, clock.source());
  EXPECT_TRUE(bucket.unlimited());
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(bucket.take().granted);
  EXPECT_EQ(bucket.time_until(500), guard_duration::zero());
}

TEST(TokenBucket, ABurstBelowOneIsOne) {
  fake_clock clock;
  token_bucket bucket(1.0, 0, clock.source());
  EXPECT_DOUBLE_EQ(bucket.burst(), 1.0);
  EXPECT_TRUE(bucket.take().granted);
}

TEST(TokenBucket, AClockGoingBackRefillsNothing) {
  fake_clock clock;
  token_bucket bucket(1.0, 1, clock.source());
  ASSERT_TRUE(bucket.take().granted);
  clock.advance(-std::chrono::seconds(10));
  EXPECT_FALSE(bucket.take().granted);
  clock.advance(std::chrono::seconds(11));  // 1 s after the last take
  EXPECT_TRUE(bucket.take().granted);
}

}  // namespace
}  // namespace tixsync::providers::guard::testing
