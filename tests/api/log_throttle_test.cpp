// Tests of api/log_throttle: the first line passes, repeats within the interval are held back
// and counted, and the next line after the interval reports how many were held back.
#include "api/log_throttle.hpp"

#include <gtest/gtest.h>

namespace tixsync::api::detail {
namespace {

using std::chrono::milliseconds;

TEST(LogThrottle, LetsOneLinePerIntervalThroughAndCountsTheOthers) {
  log_throttle throttle(milliseconds(10000));
  const auto start = log_throttle::clock::time_point{} + milliseconds(123456);
  std::uint64_t held_back = 99;
  ASSERT_TRUE(throttle.admit(start, held_back));
  EXPECT_EQ(held_back, 0u);
  for (int i = 1; i <= 199; ++i) {
    EXPECT_FALSE(throttle.admit(start + milliseconds(50 * i), held_back)) << i;
  }
  ASSERT_TRUE(throttle.admit(start + milliseconds(10000), held_back));
  EXPECT_EQ(held_back, 199u);
  EXPECT_FALSE(throttle.admit(start + milliseconds(10001), held_back));
  ASSERT_TRUE(throttle.admit(start + milliseconds(60000), held_back));
  EXPECT_EQ(held_back, 1u);
}

}  // namespace
}  // namespace tixsync::api::detail
