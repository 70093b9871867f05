// guarded_provider over the scripted in-process provider: pass-through, the circuit (opens after
// N failures, answers circuit-open without calling the provider, the half-open probe), waits
// beyond max_wait and max_waiting answered rate_limited, exceptions, close() completing every
// waiting call, the tokens of batch calls (pace_call). Fake clock: nothing here depends on how
// fast the machine is.
#include "providers/guard/guarded_provider.hpp"

#include <map>
#include <mutex>

#include "providers/guard/guard_errors.hpp"
#include "tests/providers/guard/guard_test_support.hpp"

namespace tixsync::providers::guard::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using mode = scripted_provider::mode;

class GuardedProviderTest : public ::testing::Test {
 protected:
  guard_options options() {
    guard_options o;
    o.clock = clock.source();
    o.log = logs.sink();
    o.circuit.failure_threshold = 3;
    o.circuit.cooldown = seconds(30);
    return o;
  }
  std::unique_ptr<guarded_provider> guard(guard_options o) {
    return std::make_unique<guarded_provider>(std::move(o), inner);
  }
  void sync(guarded_provider& g, result_log& results, std::size_t n) {
    g.sync_object(object_request{}, results.completion_for(n));
  }
  static std::string signature(const object_result& r) {
    return r.error ? r.error->signature : std::string();
  }

  fake_clock clock;
  log_lines logs;
  std::shared_ptr<scripted_provider> inner = std::make_shared<scripted_provider>();
};

TEST_F(GuardedProviderTest, PassesCallsThrough) {
  result_log results(3);
  auto g = guard(options());
  EXPECT_EQ(g->identifier(), "crm");
  EXPECT_EQ(g->retry_policy().max_attempts, 5);
  for (std::size_t i = 0; i < 3; ++i) sync(*g, results, i);
  EXPECT_EQ(results.delivered(), 3u);
  EXPECT_EQ(results.with_signature(""), 3u);
  EXPECT_EQ(inner->calls.load(), 3);
  auto finalized = std::make_shared<std::atomic<int>>(0);
  g->finalize_sync_order({}, make_finalize_completion([finalized](finalize_result r) {
                           if (r.ok()) ++*finalized;
                         }));
  EXPECT_EQ(finalized->load(), 1);
  EXPECT_EQ(inner->finalizes.load(), 1);
  const guard_stats s = g->stats();
  EXPECT_EQ(s.admitted, 3u);
  EXPECT_EQ(s.in_flight, 0);
  EXPECT_EQ(s.circuit, circuit_state::closed);
  g->close();
  g->close();
  EXPECT_EQ(inner->closes.load(), 1);
}

TEST_F(GuardedProviderTest, CircuitOpensAndAnswersWithoutCallingTheProvider) {
  inner->answer = [](int) {
    return object_result::failed(
        make_sync_error(sync_error_kind::recoverable, "down", {}, "http-503"));
  };
  result_log results(5);
  auto g = guard(options());
  for (std::size_t i = 0; i < 3; ++i) sync(*g, results, i);
  EXPECT_EQ(inner->calls.load(), 3);
  const auto before = sync_clock::now();
  sync(*g, results, 3);
  sync(*g, results, 4);
  EXPECT_EQ(inner->calls.load(), 3);  // not called while open
  ASSERT_EQ(results.delivered(), 5u);
  const object_result paused = results.result(3);
  ASSERT_TRUE(paused.error);
  EXPECT_EQ(paused.error->kind, sync_error_kind::rate_limited);
  EXPECT_EQ(paused.error->signature, "circuit-open");
  ASSERT_TRUE(paused.error->retry_at);
  EXPECT_GE(*paused.error->retry_at, before + seconds(29));
  EXPECT_LE(*paused.error->retry_at, sync_clock::now() + seconds(31));
  ASSERT_EQ(paused.error->messages.size(), 1u);
  EXPECT_EQ(paused.error->messages[0].rfind(
                "Paused: 3 recoverable failures in a row from crm; retrying after ", 0),
            0u)
      << paused.error->messages[0];
  EXPECT_EQ(paused.error->messages[0].back(), 'Z');
  const guard_stats s = g->stats();
  EXPECT_EQ(s.circuit, circuit_state::open);
  EXPECT_EQ(s.times_opened, 1u);
  EXPECT_EQ(s.rejected_circuit_open, 2u);
  EXPECT_EQ(s.admitted, 3u);
  EXPECT_EQ(logs.count("circuit of provider crm opened"), 1);
}

TEST_F(GuardedProviderTest, HalfOpenLetsExactlyOneProbeThrough) {
  inner->answer = [](int n) {
    if (n < 3) return object_result::failed(make_sync_error(sync_error_kind::timeout, "slow"));
    return object_result::synced(object_outcome{});
  };
  result_log results(6);
  auto g = guard(options());
  for (std::size_t i = 0; i < 3; ++i) sync(*g, results, i);
  ASSERT_EQ(g->stats().circuit, circuit_state::open);
  clock.advance(seconds(30));
  inner->set_mode(mode::held);
  sync(*g, results, 3);  // the probe: reaches the provider and is held there
  sync(*g, results, 4);  // while it runs: waits for its outcome, not sent
  EXPECT_EQ(inner->calls.load(), 4);
  EXPECT_EQ(g->stats().circuit, circuit_state::half_open);
  EXPECT_EQ(g->stats().waiting, 1u);
  ASSERT_EQ(results.delivered(), 3u);
  inner->set_mode(mode::at_once);
  ASSERT_TRUE(inner->complete_held());
  EXPECT_TRUE(results.result(3).ok());
  EXPECT_EQ(g->stats().circuit, circuit_state::closed);
  // The waiting call starts as soon as the probe closed the circuit.
  ASSERT_TRUE(eventually([&] { return results.delivered() == 5u; }, wait_limit));
  EXPECT_TRUE(results.result(4).ok());
  EXPECT_EQ(inner->calls.load(), 5);
  sync(*g, results, 5);
  EXPECT_TRUE(results.result(5).ok());
  EXPECT_EQ(inner->calls.load(), 6);
  EXPECT_TRUE(results.each_exactly_once());
}

TEST_F(GuardedProviderTest, AProbeTheSystemRefusesClosesTheCircuitForTheWaitingCalls) {
  // After an outage the system answers 422 to everything: each refusal is its order's own error,
  // and every call is sent, none paused for another cooldown.
  inner->answer = [](int n) {
    if (n < 3) return object_result::failed(make_sync_error(sync_error_kind::timeout, "slow"));
    return object_result::failed(
        make_sync_error(sync_error_kind::unrecoverable, "HTTP 422", {}, "http-422"));
  };
  result_log results(8);
  auto g = guard(options());
  for (std::size_t i = 0; i < 3; ++i) sync(*g, results, i);
  ASSERT_EQ(g->stats().circuit, circuit_state::open);
  clock.advance(seconds(30));
  inner->set_mode(mode::held);
  for (std::size_t i = 3; i < 8; ++i) sync(*g, results, i);  // the probe and 4 waiting calls
  EXPECT_EQ(inner->calls.load(), 4);
  inner->set_mode(mode::at_once);
  ASSERT_TRUE(inner->complete_held());
  ASSERT_TRUE(eventually([&] { return results.delivered() == 8u; }, wait_limit));
  EXPECT_EQ(inner->calls.load(), 8);
  EXPECT_EQ(results.with_signature("http-422"), 5u);
  EXPECT_EQ(results.with_signature("circuit-open"), 0u);
  EXPECT_EQ(g->stats().circuit, circuit_state::closed);
  EXPECT_EQ(g->stats().rejected_circuit_open, 0u);
  EXPECT_TRUE(results.each_exactly_once());
}

TEST_F(GuardedProviderTest, CallsWaitingForAFailedProbeAreAnsweredCircuitOpen) {
  inner->answer = [](int) {
    return object_result::failed(make_sync_error(sync_error_kind::timeout, "slow"));
  };
  result_log results(7);
  auto g = guard(options());
  for (std::size_t i = 0; i < 3; ++i) sync(*g, results, i);
  clock.advance(seconds(30));
  inner->set_mode(mode::held);
  sync(*g, results, 3);  // the probe
  sync(*g, results, 4);  // waits for it
  ASSERT_TRUE(inner->complete_held());
  ASSERT_TRUE(eventually([&] { return results.delivered() == 5u; }, wait_limit));
  EXPECT_EQ(signature(results.result(4)), "circuit-open");
  EXPECT_EQ(inner->calls.load(), 4);
  EXPECT_EQ(g->stats().circuit, circuit_state::open);
  // A probe that outlasts max_wait (2 s): the call waiting for it is answered circuit-open then.
  clock.advance(seconds(60));
  sync(*g, results, 5);  // the next probe, held
  sync(*g, results, 6);
  clock.advance(seconds(3));
  ASSERT_TRUE(eventually([&] { return results.delivered() == 6u; }, wait_limit));
  EXPECT_EQ(signature(results.result(6)), "circuit-open");
  EXPECT_EQ(inner->calls.load(), 5);
  ASSERT_TRUE(inner->complete_held());
  EXPECT_TRUE(results.each_exactly_once());
}

TEST_F(GuardedProviderTest, AFailedProbeReopensForLonger) {
  inner->answer = [](int) {
    return object_result::failed(make_sync_error(sync_error_kind::rate_limited, "429"));
  };
  result_log results(5);
  auto g = guard(options());
  for (std::size_t i = 0; i < 3; ++i) sync(*g, results, i);
  clock.advance(seconds(30));
  sync(*g, results, 3);  // the probe fails
  EXPECT_EQ(inner->calls.load(), 4);
  const auto before = sync_clock::now();
  sync(*g, results, 4);
  ASSERT_TRUE(results.result(4).error);
  EXPECT_EQ(results.result(4).error->signature, "circuit-open");
  EXPECT_GE(*results.result(4).error->retry_at, before + seconds(59));
  EXPECT_EQ(g->stats().times_opened, 2u);
}

TEST_F(GuardedProviderTest, ErrorsThatAreTheOrdersFaultDoNotOpenTheCircuit) {
  inner->answer = [](int) {
    return object_result::failed(make_sync_error(sync_error_kind::unrecoverable, "bad email"));
  };
  result_log results(20);
  auto g = guard(options());
  for (std::size_t i = 0; i < 20; ++i) sync(*g, results, i);
  EXPECT_EQ(inner->calls.load(), 20);
  EXPECT_EQ(g->stats().circuit, circuit_state::closed);
}

TEST_F(GuardedProviderTest, AnExpectedWaitBeyondMaxWaitIsAnsweredAtOnce) {
  guard_options o = options();
  o.limits.rate = 1;
  o.limits.burst = 1;
  o.limits.max_wait = seconds(2);
  result_log results(4);
  auto g = guard(o);
  sync(*g, results, 0);  // the burst token
  sync(*g, results, 1);  // waits about 1 s
  sync(*g, results, 2);  // waits about 2 s
  const auto before = sync_clock::now();
  sync(*g, results, 3);  // would wait 3 s > max_wait
  EXPECT_EQ(results.delivered(), 2u);
  const object_result refused = results.result(3);
  ASSERT_TRUE(refused.error);
  EXPECT_EQ(refused.error->kind, sync_error_kind::rate_limited);
  EXPECT_EQ(refused.error->signature, "local-rate-limit");
  ASSERT_TRUE(refused.error->retry_at);
  EXPECT_GE(*refused.error->retry_at, before + seconds(3) - milliseconds(1));
  EXPECT_EQ(refused.error->messages[0].rfind(
                "Waiting: the limits of crm on this node are reached; retrying after ", 0),
            0u);
  EXPECT_NE(refused.error->full_message.find("exceeds max_wait 2s"), std::string::npos);
  EXPECT_EQ(g->stats().waiting, 2u);
  // Time passes: the waiting calls get their tokens from the guard's thread.
  clock.advance(seconds(1));
  ASSERT_TRUE(eventually([&] { return results.delivered() == 3; }));
  clock.advance(seconds(1));
  ASSERT_TRUE(eventually([&] { return results.delivered() == 4; }));
  EXPECT_TRUE(results.result(1).ok());
  EXPECT_TRUE(results.result(2).ok());
  EXPECT_EQ(inner->calls.load(), 3);
  EXPECT_TRUE(results.each_exactly_once());
  const guard_stats s = g->stats();
  EXPECT_EQ(s.rejected_local_rate_limit, 1u);
  EXPECT_EQ(s.admitted, 3u);
  EXPECT_EQ(s.waiting, 0u);
}

/// Records what pace_call's `go` was called with, by call number.
class paced_log {
 public:
  guarded_provider::call_go go_for(std::size_t n) {
    return [this, n](std::optional<sync_error> refusal) {
      std::lock_guard<std::mutex> lock(mutex_);
      answers_[n].push_back(std::move(refusal));
    };
  }
  std::size_t answered() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return answers_.size();
  }
  /// The only answer of call n: "" when it may go, else the refusal's signature.
  std::string answer(std::size_t n) const {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto& all = answers_.at(n);
    EXPECT_EQ(all.size(), 1u) << n;
    return all.front() ? all.front()->signature : std::string();
  }

 private:
  mutable std::mutex mutex_;
  std::map<std::size_t, std::vector<std::optional<sync_error>>> answers_;
};

TEST_F(GuardedProviderTest, BatchedObjectsTakeNoTokenAndEachBatchCallTakesOne) {
  guard_options o = options();
  o.limits.rate = 1;
  o.limits.burst = 1;
  o.limits.max_wait = seconds(2);
  o.batched_types = {""};  // the type of object_request{}
  result_log results(5);
  auto g = guard(o);
  // Objects of a batched type: a slot each, no token, all at once.
  for (std::size_t i = 0; i < 5; ++i) sync(*g, results, i);
  EXPECT_EQ(inner->calls.load(), 5);
  EXPECT_EQ(results.with_signature(""), 5u);
  // Their calls: the burst token at once, then one per second up to max_wait.
  paced_log paced;
  for (std::size_t n = 0; n < 4; ++n) g->pace_call(paced.go_for(n));
  ASSERT_EQ(paced.answered(), 2u);
  EXPECT_EQ(paced.answer(0), "");
  EXPECT_EQ(paced.answer(3), "local-rate-limit");  // would wait 3 s > max_wait
  clock.advance(seconds(1));
  ASSERT_TRUE(eventually([&] { return paced.answered() == 3; }));
  EXPECT_EQ(paced.answer(1), "");
  clock.advance(seconds(1));
  ASSERT_TRUE(eventually([&] { return paced.answered() == 4; }));
  EXPECT_EQ(paced.answer(2), "");
  const guard_stats s = g->stats();
  EXPECT_EQ(s.paced_calls, 3u);
  EXPECT_EQ(s.rejected_paced_calls, 1u);
  EXPECT_EQ(s.rejected_local_rate_limit, 0u);
  EXPECT_EQ(s.admitted, 5u);
  EXPECT_TRUE(results.each_exactly_once());
}

TEST_F(GuardedProviderTest, ObjectsAnsweredByARefusedBatchCallDoNotOpenTheCircuit) {
  inner->answer = [](int) {
    return object_result::failed(local_rate_limit_error("crm", "max_wait", sync_clock::now()));
  };
  guard_options o = options();
  o.batched_types = {""};
  result_log results(5);
  auto g = guard(o);
  for (std::size_t i = 0; i < 5; ++i) sync(*g, results, i);
  EXPECT_EQ(results.with_signature("local-rate-limit"), 5u);
  EXPECT_EQ(g->stats().circuit, circuit_state::closed);  // threshold 3
  EXPECT_EQ(g->stats().times_opened, 0u);
}

TEST_F(GuardedProviderTest, BatchCallsWaitingForATokenAreAnsweredAtClose) {
  guard_options o = options();
  o.limits.rate = 0.1;
  o.limits.burst = 1;
  o.limits.max_wait = seconds(60);
  auto g = guard(o);
  paced_log paced;
  g->pace_call(paced.go_for(0));
  g->pace_call(paced.go_for(1));
  ASSERT_EQ(paced.answered(), 1u);
  g->close();
  ASSERT_EQ(paced.answered(), 2u);
  EXPECT_EQ(paced.answer(1), "shutting-down");
  g->pace_call(paced.go_for(2));
  EXPECT_EQ(paced.answer(2), "shutting-down");
}

TEST_F(GuardedProviderTest, WaitingLongerThanMaxWaitForASlotIsAnswered) {
  guard_options o = options();
  o.limits.concurrency = 1;
  o.limits.max_wait = seconds(2);
  inner->set_mode(mode::held);
  result_log results(2);
  auto g = guard(o);
  sync(*g, results, 0);  // holds the only slot
  sync(*g, results, 1);  // waits for it
  EXPECT_EQ(g->stats().waiting, 1u);
  EXPECT_EQ(g->stats().in_flight, 1);
  clock.advance(seconds(3));
  ASSERT_TRUE(eventually([&] { return results.delivered() == 1; }));
  ASSERT_TRUE(results.result(1).error);
  EXPECT_EQ(results.result(1).error->signature, "local-rate-limit");
  EXPECT_NE(results.result(1).error->full_message.find("waited max_wait 2s"), std::string::npos);
  EXPECT_EQ(inner->calls.load(), 1);
  ASSERT_TRUE(inner->complete_held());
  EXPECT_TRUE(results.each_exactly_once());
}

TEST_F(GuardedProviderTest, TooManyWaitingCallsAreAnsweredAtOnce) {
  guard_options o = options();
  o.limits.concurrency = 1;
  o.limits.max_waiting = 2;
  inner->set_mode(mode::held);
  result_log results(4);
  auto g = guard(o);
  for (std::size_t i = 0; i < 4; ++i) sync(*g, results, i);
  ASSERT_EQ(results.delivered(), 1u);
  ASSERT_TRUE(results.result(3).error);
  EXPECT_EQ(results.result(3).error->signature, "local-rate-limit");
  EXPECT_NE(results.result(3).error->full_message.find("(max_waiting)"), std::string::npos);
  // Freeing the slot starts the next waiting call, one at a time.
  for (int started = 1; started <= 3; ++started) {
    ASSERT_TRUE(eventually([&] { return inner->held() == 1; }));
    EXPECT_EQ(inner->calls.load(), started);
    ASSERT_TRUE(inner->complete_held());
  }
  ASSERT_TRUE(eventually([&] { return results.delivered() == 4; }));
  EXPECT_TRUE(results.each_exactly_once());
  EXPECT_EQ(results.with_signature(""), 3u);
}

TEST_F(GuardedProviderTest, AFreedSlotGoesStraightToTheFirstWaitingCall) {
  guard_options o = options();
  o.limits.concurrency = 1;
  inner->set_mode(mode::held);
  result_log results(3);
  auto g = guard(o);
  for (std::size_t i = 0; i < 3; ++i) sync(*g, results, i);
  ASSERT_EQ(inner->calls.load(), 1);
  // The completing thread (this one) starts the next call before complete_held() returns: no
  // wait for the guard's thread.
  ASSERT_TRUE(inner->complete_held());
  EXPECT_EQ(inner->calls.load(), 2);
  EXPECT_EQ(inner->held(), 1u);
  EXPECT_EQ(g->stats().waiting, 1u);
  ASSERT_TRUE(inner->complete_held());
  EXPECT_EQ(inner->calls.load(), 3);
  ASSERT_TRUE(inner->complete_held());
  EXPECT_EQ(results.delivered(), 3u);
  EXPECT_TRUE(results.each_exactly_once());
  EXPECT_EQ(g->stats().in_flight, 0);
  EXPECT_EQ(inner->max_in_flight.load(), 1);
}

TEST_F(GuardedProviderTest, AThrowingProviderFreesItsSlot) {
  guard_options o = options();
  o.limits.concurrency = 1;
  inner->throw_for = [](int n) { return n == 0; };
  result_log results(2);
  auto g = guard(o);
  sync(*g, results, 0);
  ASSERT_EQ(results.delivered(), 1u);
  ASSERT_TRUE(results.result(0).error);
  EXPECT_EQ(results.result(0).error->kind, sync_error_kind::internal);
  EXPECT_EQ(g->stats().in_flight, 0);
  sync(*g, results, 1);
  EXPECT_TRUE(results.result(1).ok());
  EXPECT_EQ(g->stats().circuit, circuit_state::closed);  // internal: not the system's fault
}

TEST_F(GuardedProviderTest, CloseCompletesEveryWaitingCallOnce) {
  guard_options o = options();
  o.limits.concurrency = 1;
  inner->set_mode(mode::held);
  result_log results(7);
  auto g = guard(o);
  for (std::size_t i = 0; i < 6; ++i) sync(*g, results, i);
  EXPECT_EQ(g->stats().waiting, 5u);
  g->close();
  EXPECT_EQ(inner->closes.load(), 1);
  ASSERT_EQ(results.delivered(), 5u);
  for (std::size_t i = 1; i < 6; ++i) {
    ASSERT_TRUE(results.result(i).error) << i;
    EXPECT_EQ(results.result(i).error->kind, sync_error_kind::recoverable);
    EXPECT_EQ(results.result(i).error->signature, "shutting-down");
  }
  sync(*g, results, 6);  // after close: answered at once
  EXPECT_EQ(signature(results.result(6)), "shutting-down");
  ASSERT_TRUE(inner->complete_held());  // the call in flight still completes, once
  EXPECT_TRUE(results.result(0).ok());
  EXPECT_TRUE(results.each_exactly_once());
  EXPECT_EQ(g->stats().rejected_shutting_down, 6u);
  EXPECT_EQ(inner->calls.load(), 1);
}

TEST_F(GuardedProviderTest, DestroyingWithoutCloseCompletesWaitingCalls) {
  guard_options o = options();
  o.limits.concurrency = 1;
  inner->set_mode(mode::held);
  result_log results(3);
  {
    auto g = guard(o);
    for (std::size_t i = 0; i < 3; ++i) sync(*g, results, i);
  }
  EXPECT_EQ(results.delivered(), 2u);
  EXPECT_EQ(inner->closes.load(), 0);
  ASSERT_TRUE(inner->complete_held());
  EXPECT_TRUE(results.each_exactly_once());
}

TEST_F(GuardedProviderTest, ASharedRateNeedsRedis) {
  guard_options o = options();
  o.limits.rate = 10;
  o.limits.shared = true;
  EXPECT_THROW(guard(o), std::invalid_argument);
  EXPECT_THROW(guarded_provider(options(), nullptr), std::invalid_argument);
}

TEST_F(GuardedProviderTest, ReportsTheHttpRequestCountsItIsGiven) {
  // Without a tally (a provider that is not HTTP): every label, all zero.
  const std::vector<std::pair<std::string, std::uint64_t>> zeros = {
      {"2xx", 0}, {"3xx", 0}, {"4xx", 0}, {"5xx", 0}, {"timeout", 0}, {"network-error", 0}};
  EXPECT_EQ(guard(options())->http_request_counts(), zeros);

  auto tally = std::make_shared<http::request_tally>();
  guard_options o = options();
  o.http_requests = tally;
  auto g = guard(std::move(o));
  tally->add(http::request_outcome::status_2xx);
  tally->add(http::request_outcome::status_2xx);
  tally->add(http::request_outcome::status_5xx);
  tally->add(http::request_outcome::network_error);
  const std::vector<std::pair<std::string, std::uint64_t>> expected = {
      {"2xx", 2}, {"3xx", 0}, {"4xx", 0}, {"5xx", 1}, {"timeout", 0}, {"network-error", 1}};
  EXPECT_EQ(g->http_request_counts(), expected);
}

TEST(GuardErrors, FormatUtc) {
  EXPECT_EQ(format_utc(from_unix_ms(1'700'000'000'000)), "2023-11-14T22:13:20Z");
  EXPECT_EQ(format_utc(from_unix_ms(1'700'000'000'001)), "2023-11-14T22:13:21Z");
}

}  // namespace
}  // namespace tixsync::providers::guard::testing
