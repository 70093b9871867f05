// Tests for decide_retry and backoff_delay: the decision for every error kind, pretix's
// max-attempts boundary (the 5th failure parks), retry_at winning, the rate-limit deferral cap,
// jitter bounds, the cap and fixed delays.
#include "providers/retry_policy.hpp"

#include <gtest/gtest.h>

namespace tixsync::providers {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

const sync_clock::time_point now = from_unix_ms(1'750'000'000'000);

sync_error error_of(sync_error_kind kind) {
  return make_sync_error(kind, "boom");
}

retry_policy no_jitter() {
  retry_policy policy;
  policy.jitter = 0.0;
  return policy;
}

TEST(decide_retry, recoverable_reschedules_with_backoff_and_counts) {
  const auto d = decide_retry(0, 0, error_of(sync_error_kind::recoverable), no_jitter(), now, 0.5);
  EXPECT_EQ(d.action, retry_action::reschedule);
  EXPECT_FALSE(d.reason.has_value());
  EXPECT_TRUE(d.counts_as_attempt);
  EXPECT_EQ(d.failed_attempts, 1);
  EXPECT_EQ(d.rate_limit_deferrals, 0);
  EXPECT_EQ(d.retry_at, now + minutes(5));
}

TEST(decide_retry, fifth_recoverable_failure_parks_as_exceeded) {
  const auto policy = no_jitter();
  const auto error = error_of(sync_error_kind::recoverable);
  for (int before = 0; before < 4; ++before) {
    EXPECT_EQ(decide_retry(before, 0, error, policy, now, 0.5).action, retry_action::reschedule)
        << "failure " << before + 1;
  }
  const auto fifth = decide_retry(4, 0, error, policy, now, 0.5);
  EXPECT_EQ(fifth.action, retry_action::park);
  EXPECT_EQ(fifth.reason, park_reason::exceeded);
  EXPECT_TRUE(fifth.counts_as_attempt);
  EXPECT_EQ(fifth.failed_attempts, 5);
}

TEST(decide_retry, a_revived_exceeded_job_parks_after_one_more_failure) {
  // pretix quirk 10: the counter survives a manual retry.
  const auto d = decide_retry(5, 0, error_of(sync_error_kind::recoverable), no_jitter(), now, 0.5);
  EXPECT_EQ(d.reason, park_reason::exceeded);
  EXPECT_EQ(d.failed_attempts, 6);
}

TEST(decide_retry, max_attempts_comes_from_the_policy) {
  retry_policy policy = no_jitter();
  policy.max_attempts = 2;
  const auto error = error_of(sync_error_kind::recoverable);
  EXPECT_EQ(decide_retry(0, 0, error, policy, now, 0.5).action, retry_action::reschedule);
  EXPECT_EQ(decide_retry(1, 0, error, policy, now, 0.5).reason, park_reason::exceeded);
}

TEST(decide_retry, the_errors_retry_at_wins_over_the_backoff) {
  auto error = error_of(sync_error_kind::recoverable);
  error.retry_at = now + seconds(7);  // sooner than the 5 minute backoff
  EXPECT_EQ(decide_retry(0, 0, error, no_jitter(), now, 0.5).retry_at, now + seconds(7));
  error.retry_at = now + hours(3);  // later than the cap
  EXPECT_EQ(decide_retry(3, 0, error, no_jitter(), now, 0.5).retry_at, now + hours(3));
}

TEST(decide_retry, a_retry_at_in_the_past_means_now) {
  auto error = error_of(sync_error_kind::recoverable);
  error.retry_at = now - minutes(1);
  EXPECT_EQ(decide_retry(0, 0, error, no_jitter(), now, 0.5).retry_at, now);
}

TEST(decide_retry, retry_at_does_not_save_a_job_from_exceeding) {
  auto error = error_of(sync_error_kind::recoverable);
  error.retry_at = now + seconds(1);
  EXPECT_EQ(decide_retry(4, 0, error, no_jitter(), now, 0.5).reason, park_reason::exceeded);
}

TEST(decide_retry, rate_limited_reschedules_without_using_an_attempt) {
  auto error = error_of(sync_error_kind::rate_limited);
  error.retry_at = now + seconds(30);
  const auto d = decide_retry(4, 0, error, no_jitter(), now, 0.5);
  EXPECT_EQ(d.action, retry_action::reschedule);
  EXPECT_FALSE(d.counts_as_attempt);
  EXPECT_EQ(d.failed_attempts, 4);
  EXPECT_EQ(d.rate_limit_deferrals, 1);
  EXPECT_EQ(d.retry_at, now + seconds(30));
}

TEST(decide_retry, rate_limited_without_retry_at_backs_off_by_deferrals) {
  const auto error = error_of(sync_error_kind::rate_limited);
  EXPECT_EQ(decide_retry(0, 0, error, no_jitter(), now, 0.5).retry_at, now + minutes(5));
  EXPECT_EQ(decide_retry(0, 2, error, no_jitter(), now, 0.5).retry_at, now + minutes(20));
}

TEST(decide_retry, rate_limit_deferrals_are_capped_then_count_as_failures) {
  retry_policy policy = no_jitter();
  policy.max_rate_limit_deferrals = 3;
  const auto error = error_of(sync_error_kind::rate_limited);
  const auto last_free = decide_retry(0, 2, error, policy, now, 0.5);
  EXPECT_FALSE(last_free.counts_as_attempt);
  EXPECT_EQ(last_free.rate_limit_deferrals, 3);
  const auto counted = decide_retry(0, 3, error, policy, now, 0.5);
  EXPECT_EQ(counted.action, retry_action::reschedule);
  EXPECT_TRUE(counted.counts_as_attempt);
  EXPECT_EQ(counted.failed_attempts, 1);
  EXPECT_EQ(counted.rate_limit_deferrals, 3);
  EXPECT_EQ(decide_retry(4, 3, error, policy, now, 0.5).reason, park_reason::exceeded);
}

TEST(decide_retry, permanent_kinds_park_without_counting) {
  const std::pair<sync_error_kind, park_reason> table[] = {
      {sync_error_kind::unrecoverable, park_reason::permanent},
      {sync_error_kind::config, park_reason::config},
      {sync_error_kind::internal, park_reason::internal},
      {sync_error_kind::timeout, park_reason::timeout},
  };
  for (const auto& [kind, reason] : table) {
    const auto d = decide_retry(2, 1, error_of(kind), no_jitter(), now, 0.5);
    EXPECT_EQ(d.action, retry_action::park) << to_string(kind);
    EXPECT_EQ(d.reason, reason) << to_string(kind);
    EXPECT_FALSE(d.counts_as_attempt) << to_string(kind);
    EXPECT_EQ(d.failed_attempts, 2) << to_string(kind);
    EXPECT_EQ(d.rate_limit_deferrals, 1) << to_string(kind);
  }
}

TEST(decide_retry, names_of_actions_and_reasons) {
  EXPECT_STREQ(to_string(retry_action::reschedule), "reschedule");
  EXPECT_STREQ(to_string(retry_action::park), "park");
  EXPECT_STREQ(to_string(park_reason::exceeded), "exceeded");
  EXPECT_STREQ(to_string(park_reason::permanent), "permanent");
  EXPECT_STREQ(to_string(park_reason::config), "config");
  EXPECT_STREQ(to_string(park_reason::internal), "internal");
  EXPECT_STREQ(to_string(park_reason::timeout), "timeout");
}

TEST(backoff_delay, doubles_from_the_base_up_to_the_cap) {
  retry_policy policy = no_jitter();
  policy.base = seconds(10);
  policy.cap = seconds(75);
  EXPECT_EQ(backoff_delay(1, policy, 0.5), seconds(10));
  EXPECT_EQ(backoff_delay(2, policy, 0.5), seconds(20));
  EXPECT_EQ(backoff_delay(3, policy, 0.5), seconds(40));
  EXPECT_EQ(backoff_delay(4, policy, 0.5), seconds(75));
  EXPECT_EQ(backoff_delay(1000, policy, 0.5), seconds(75));  // no overflow
  EXPECT_EQ(backoff_delay(0, policy, 0.5), seconds(10));
}

TEST(backoff_delay, jitter_stays_within_its_fraction) {
  retry_policy policy;
  policy.base = seconds(100);
  policy.cap = hours(1);
  policy.jitter = 0.2;
  EXPECT_EQ(backoff_delay(1, policy, 0.0), seconds(80));
  EXPECT_EQ(backoff_delay(1, policy, 0.5), seconds(100));
  EXPECT_EQ(backoff_delay(1, policy, 1.0), seconds(120));
  EXPECT_EQ(backoff_delay(1, policy, -3.0), seconds(80));  // clamped
  EXPECT_EQ(backoff_delay(1, policy, 7.0), seconds(120));
  for (int i = 0; i <= 100; ++i) {
    const auto d = backoff_delay(1, policy, i / 100.0);
    EXPECT_GE(d, seconds(80));
    EXPECT_LE(d, seconds(120));
  }
}

TEST(backoff_delay, the_cap_is_a_real_maximum_even_with_jitter) {
  retry_policy policy;
  policy.base = seconds(10);
  policy.cap = seconds(60);
  policy.jitter = 0.5;
  EXPECT_EQ(backoff_delay(10, policy, 1.0), seconds(60));
  EXPECT_EQ(backoff_delay(10, policy, 0.0), seconds(30));
}

TEST(backoff_delay, fixed_mode_uses_the_fixed_delay_with_jitter) {
  retry_policy policy;
  policy.mode = backoff_mode::fixed;
  policy.fixed_delay = hours(1);
  policy.jitter = 0.0;
  EXPECT_EQ(backoff_delay(1, policy, 0.9), hours(1));
  EXPECT_EQ(backoff_delay(4, policy, 0.1), hours(1));
  policy.jitter = 0.1;
  EXPECT_EQ(backoff_delay(3, policy, 0.0), minutes(54));
  EXPECT_EQ(backoff_delay(3, policy, 1.0), minutes(66));
  const auto d = decide_retry(1, 0, error_of(sync_error_kind::recoverable), policy, now, 0.5);
  EXPECT_EQ(d.retry_at, now + hours(1));
}

}  // namespace
}  // namespace tixsync::providers
