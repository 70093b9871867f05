// The circuit breaker's state machine with a fake clock: what counts as a failure, every
// transition (closed -> open -> half-open -> closed / open again), the doubling cooldown and its
// cap, one probe at a time, stale results ignored, disabled breakers, and the log lines.
#include "providers/guard/circuit_breaker.hpp"

#include "tests/providers/guard/guard_test_support.hpp"

namespace tixsync::providers::guard::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

std::optional<sync_error> failure(sync_error_kind kind = sync_error_kind::recoverable) {
  return make_sync_error(kind, "failed", {}, "http-503");
}
const std::optional<sync_error> success;

class CircuitBreakerTest : public ::testing::Test {
 protected:
  circuit_breaker make(int threshold = 3, milliseconds cooldown = seconds(30),
                       milliseconds max_cooldown = std::chrono::minutes(5)) {
    circuit_breaker_options o;
    o.failure_threshold = threshold;
    o.cooldown = cooldown;
    o.max_cooldown = max_cooldown;
    return circuit_breaker("crm", o, logs.sink(), clock.source());
  }
  /// Admits one call and records its result.
  static void call(circuit_breaker& b, const std::optional<sync_error>& result) {
    ASSERT_TRUE(b.permits());
    b.record(b.admit(), result);
  }
  /// Opens `b` with `threshold` failures.
  static void open(circuit_breaker& b, int threshold = 3) {
    for (int i = 0; i < threshold; ++i) call(b, failure());
    ASSERT_EQ(b.state(), circuit_state::open);
  }

  fake_clock clock;
  log_lines logs;
};

TEST(CircuitClassify, WhatCountsAsAFailure) {
  EXPECT_EQ(classify(std::nullopt), call_outcome::success);
  EXPECT_EQ(classify(failure(sync_error_kind::recoverable)), call_outcome::failure);
  EXPECT_EQ(classify(failure(sync_error_kind::rate_limited)), call_outcome::failure);
  EXPECT_EQ(classify(failure(sync_error_kind::timeout)), call_outcome::failure);
  EXPECT_EQ(classify(failure(sync_error_kind::unrecoverable)), call_outcome::answered);
  EXPECT_EQ(classify(failure(sync_error_kind::config)), call_outcome::neutral);
  EXPECT_EQ(classify(failure(sync_error_kind::internal)), call_outcome::neutral);
}

TEST_F(CircuitBreakerTest, OpensAfterThresholdCountedFailuresInARow) {
  auto b = make(3);
  call(b, failure(sync_error_kind::recoverable));
  call(b, failure(sync_error_kind::rate_limited));
  EXPECT_EQ(b.state(), circuit_state::closed);
  EXPECT_EQ(b.consecutive_failures(), 2);
  call(b, failure(sync_error_kind::timeout));
  EXPECT_EQ(b.state(), circuit_state::open);
  EXPECT_EQ(b.times_opened(), 1u);
  EXPECT_EQ(b.failures_when_opened(), 3);
  EXPECT_FALSE(b.permits());
  EXPECT_EQ(b.retry_after(), seconds(30));
}

TEST_F(CircuitBreakerTest, ASuccessResetsTheCount) {
  auto b = make(3);
  call(b, failure());
  call(b, failure());
  call(b, success);
  EXPECT_EQ(b.consecutive_failures(), 0);
  call(b, failure());
  call(b, failure());
  EXPECT_EQ(b.state(), circuit_state::closed);
}

TEST_F(CircuitBreakerTest, TheOrdersFaultNeitherCountsNorResets) {
  auto b = make(3);
  call(b, failure());
  call(b, failure());
  for (int i = 0; i < 20; ++i) {
    call(b, failure(sync_error_kind::unrecoverable));
    call(b, failure(sync_error_kind::config));
    call(b, failure(sync_error_kind::internal));
  }
  EXPECT_EQ(b.state(), circuit_state::closed);
  EXPECT_EQ(b.consecutive_failures(), 2);
  call(b, failure());
  EXPECT_EQ(b.state(), circuit_state::open);
}

TEST_F(CircuitBreakerTest, HalfOpenAfterTheCooldownWithExactlyOneProbe) {
  auto b = make(3);
  open(b);
  clock.advance(seconds(29));
  EXPECT_FALSE(b.permits());
  EXPECT_EQ(b.retry_after(), seconds(1));
  clock.advance(seconds(1));
  EXPECT_TRUE(b.permits());
  EXPECT_EQ(b.state(), circuit_state::half_open);
  const auto probe = b.admit();
  EXPECT_TRUE(probe.probe);
  EXPECT_FALSE(b.permits());  // only one probe at a time
  EXPECT_FALSE(b.permits());
  EXPECT_EQ(b.retry_after(), seconds(30));
  b.record(probe, success);
  EXPECT_EQ(b.state(), circuit_state::closed);
  EXPECT_TRUE(b.permits());
  EXPECT_FALSE(b.admit().probe);
}

TEST_F(CircuitBreakerTest, AFailedProbeReopensWithTheCooldownDoubledUpToTheCap) {
  auto b = make(3, seconds(30), seconds(200));
  open(b);
  const milliseconds expected[] = {seconds(60), seconds(120), seconds(200), seconds(200)};
  for (auto cooldown : expected) {
    clock.advance(b.cooldown());
    ASSERT_TRUE(b.permits());
    b.record(b.admit(), failure(sync_error_kind::timeout));
    EXPECT_EQ(b.state(), circuit_state::open);
    EXPECT_EQ(b.cooldown(), cooldown);
    EXPECT_EQ(b.retry_after(), cooldown);
  }
  EXPECT_EQ(b.times_opened(), 5u);
  // A successful probe closes and resets the cooldown for the next opening.
  clock.advance(b.cooldown());
  ASSERT_TRUE(b.permits());
  b.record(b.admit(), success);
  EXPECT_EQ(b.state(), circuit_state::closed);
  open(b);
  EXPECT_EQ(b.cooldown(), seconds(30));
}

TEST_F(CircuitBreakerTest, AProbeTheSystemRefusesClosesTheCircuit) {
  // An answer such as HTTP 422 proves the system is reachable: the refusal is that order's own
  // error, and every other call may go again.
  auto b = make(3, seconds(30), seconds(200));
  open(b);
  clock.advance(seconds(30));
  ASSERT_TRUE(b.permits());
  b.record(b.admit(), failure(sync_error_kind::timeout));  // opened again for 60 s
  clock.advance(seconds(60));
  ASSERT_TRUE(b.permits());
  const auto probe = b.admit();
  EXPECT_TRUE(probe.probe);
  EXPECT_TRUE(b.probing());
  b.record(probe, make_sync_error(sync_error_kind::unrecoverable, "HTTP 422", {}, "http-422"));
  EXPECT_EQ(b.state(), circuit_state::closed);
  EXPECT_FALSE(b.probing());
  EXPECT_EQ(b.consecutive_failures(), 0);
  EXPECT_EQ(b.cooldown(), seconds(30));
  EXPECT_TRUE(b.permits());
  EXPECT_FALSE(b.admit().probe);
  EXPECT_EQ(logs.count("closed: the probe call was answered (http-422)"), 1);
}

TEST_F(CircuitBreakerTest, ANeutralProbeLetsTheNextCallProbe) {
  auto b = make(3);
  open(b);
  clock.advance(seconds(30));
  ASSERT_TRUE(b.permits());
  b.record(b.admit(), failure(sync_error_kind::config));
  EXPECT_EQ(b.state(), circuit_state::half_open);
  ASSERT_TRUE(b.permits());
  const auto second = b.admit();
  EXPECT_TRUE(second.probe);
  b.record(second, success);
  EXPECT_EQ(b.state(), circuit_state::closed);
}

TEST_F(CircuitBreakerTest, ResultsOfEarlierPeriodsAreIgnored) {
  auto b = make(2);
  ASSERT_TRUE(b.permits());
  const auto early = b.admit();  // admitted while closed, finishes after the circuit opened
  ASSERT_TRUE(b.permits());
  const auto early_success = b.admit();
  open(b, 2);
  b.record(early, failure());
  b.record(early_success, success);
  EXPECT_EQ(b.state(), circuit_state::open);
  EXPECT_EQ(b.times_opened(), 1u);
  clock.advance(seconds(30));
  ASSERT_TRUE(b.permits());
  const auto probe = b.admit();
  b.record(early_success, success);  // not the probe: still half-open
  EXPECT_EQ(b.state(), circuit_state::half_open);
  EXPECT_FALSE(b.permits());
  b.record(probe, success);
  EXPECT_EQ(b.state(), circuit_state::closed);
}

TEST_F(CircuitBreakerTest, DisabledNeverOpens) {
  circuit_breaker_options o;
  o.enabled = false;
  o.failure_threshold = 1;
  circuit_breaker b("crm", o, logs.sink(), clock.source());
  for (int i = 0; i < 50; ++i) call(b, failure());
  EXPECT_EQ(b.state(), circuit_state::closed);
  EXPECT_EQ(b.times_opened(), 0u);
  EXPECT_EQ(b.retry_after(), guard_duration::zero());
  EXPECT_TRUE(logs.lines().empty());
}

TEST_F(CircuitBreakerTest, EveryTransitionIsLogged) {
  auto b = make(2);
  open(b, 2);
  clock.advance(seconds(30));
  ASSERT_TRUE(b.permits());
  b.record(b.admit(), failure());
  clock.advance(seconds(60));
  ASSERT_TRUE(b.permits());
  b.record(b.admit(), success);
  const std::vector<std::string> expected{
      "warning: circuit of provider crm opened: 2 failures in a row (last: recoverable "
      "http-503); pausing calls for 30s",
      "info: circuit of provider crm half-open after 30s: letting one probe call through",
      "warning: circuit of provider crm opened again: the probe call failed (recoverable "
      "http-503); pausing calls for 1m",
      "info: circuit of provider crm half-open after 1m: letting one probe call through",
      "info: circuit of provider crm closed: the probe call succeeded",
  };
  EXPECT_EQ(logs.lines(), expected);
}

TEST(CircuitDescribe, Durations) {
  EXPECT_EQ(describe_duration(milliseconds(250)), "250ms");
  EXPECT_EQ(describe_duration(seconds(45)), "45s");
  EXPECT_EQ(describe_duration(seconds(90)), "1m30s");
  EXPECT_EQ(describe_duration(std::chrono::minutes(5)), "5m");
  EXPECT_EQ(describe_duration(seconds(3725)), "1h2m5s");
  EXPECT_EQ(to_string(circuit_state::half_open), std::string("half_open"));
}

}  // namespace
}  // namespace tixsync::providers::guard::testing
