// The actors of a node on their own: dispatcher, supervisor, order, sync and finalize actors
// under CAF's deterministic test coordinator, against the in-memory queue port. Crashes, a
// finalize that never answers, a renewal racing a completion, stopping, and the retry decisions
// each end in exactly one queue transition.
#include <gtest/gtest.h>

#include <caf/all.hpp>
#include <future>

#include "actors/protocol.hpp"
#include "tests/actors/actor_unit_fixture.hpp"

namespace tixsync::actors::testing {
namespace {

using providers::sync_error_kind;

constexpr std::int64_t seven_minutes_ms = 7 * 60 * 1000;

TEST_F(actor_unit, synced_order_is_completed_with_its_results) {
  queue->add_due("example2", "dummy", "2EEE");
  start();
  ASSERT_TRUE(queue->holds("example2", "dummy", "2EEE"));
  ASSERT_EQ(provider->objects_waiting(), 1u);  // the ticket mapping first
  ASSERT_TRUE(provider->answer_object());
  settle();
  ASSERT_EQ(provider->objects_waiting(), 1u);  // then the order mapping
  ASSERT_TRUE(provider->answer_object());
  settle();
  ASSERT_EQ(queue->completed.size(), 1u);
  EXPECT_EQ(queue->completed[0].results.size(), 2u);
  EXPECT_FALSE(queue->completed[0].log_objects.empty());
  EXPECT_FALSE(queue->holds("example2", "dummy", "2EEE"));
  EXPECT_EQ(stats().orders_synced, 1u);
  EXPECT_EQ(stats().in_flight, 0u);
  EXPECT_EQ(observer->synced, 1);
  EXPECT_EQ(timeouts->armed(), 0u);  // every call's deadline canceled
}

TEST_F(actor_unit, sync_actor_crashing_mid_order_parks_the_order_as_internal) {
  queue->add_due("example2", "dummy", "1AAA");  // two tickets: two calls in the first mapping
  start();
  ASSERT_EQ(provider->objects_waiting(), 2u);
  observer->throw_on_object = true;  // the sync actor's handler throws with the mapping's outcomes
  ASSERT_TRUE(provider->answer_object());
  settle();
  EXPECT_TRUE(queue->parked.empty());  // a mapping's outcomes reach the sync actor together
  ASSERT_TRUE(provider->answer_object());
  settle();
  ASSERT_EQ(queue->parked.size(), 1u);
  EXPECT_EQ(queue->parked[0].state, persistence::park_state::internal);
  EXPECT_EQ(queue->parked[0].cause, "actor-crash");
  EXPECT_TRUE(logged("order actor crashed"));
  EXPECT_EQ(provider->objects_waiting(), 0u);  // the order mapping never started
  EXPECT_TRUE(queue->completed.empty());
  EXPECT_TRUE(queue->rescheduled.empty());
  EXPECT_TRUE(queue->refused.empty());
  EXPECT_EQ(stats().orders_parked, 1u);
  EXPECT_EQ(stats().in_flight, 0u);
}

TEST_F(actor_unit, an_error_ends_the_mapping_at_once_and_a_late_answer_changes_nothing) {
  queue->add_due("example2", "dummy", "1AAA");  // two tickets: two calls in the first mapping
  start();
  ASSERT_EQ(provider->objects_waiting(), 2u);
  ASSERT_TRUE(provider->answer_object(providers::object_result::failed(providers::make_sync_error(
      sync_error_kind::recoverable, "CRM said no", "details", "crm-no"))));
  settle();
  ASSERT_EQ(queue->rescheduled.size(), 1u);  // without waiting for the other call
  EXPECT_EQ(stats().in_flight, 0u);
  // The other call's answer finds the actors gone: no second transition, no object counted.
  ASSERT_TRUE(provider->answer_object());
  settle();
  EXPECT_EQ(queue->rescheduled.size(), 1u);
  EXPECT_TRUE(queue->completed.empty());
  EXPECT_TRUE(queue->parked.empty());
  EXPECT_EQ(stats().objects_synced, 0u);
  EXPECT_EQ(observer->objects, 0);
}

TEST_F(actor_unit, a_mapping_that_times_out_still_counts_the_objects_that_finished) {
  queue->add_due("example2", "dummy", "1AAA");  // two tickets: two calls in the first mapping
  start();
  ASSERT_EQ(provider->objects_waiting(), 2u);
  ASSERT_TRUE(provider->answer_object());
  settle();
  EXPECT_EQ(observer->objects, 0);  // the mapping's outcomes are held until it ends
  EXPECT_EQ(timeouts->pass_all(), 1u);
  settle();
  ASSERT_EQ(queue->rescheduled.size(), 1u);
  EXPECT_EQ(observer->objects, 1);  // the destination has it: counted
  EXPECT_EQ(stats().objects_synced, 1u);
  // The other call's late answer changes nothing.
  ASSERT_TRUE(provider->answer_object());
  settle();
  EXPECT_EQ(queue->rescheduled.size(), 1u);
  EXPECT_TRUE(queue->completed.empty());
  EXPECT_EQ(observer->objects, 1);
  EXPECT_EQ(stats().objects_synced, 1u);
}

TEST_F(actor_unit, finalize_that_never_answers_is_rescheduled_at_its_deadline) {
  provider->finalize_at_once = false;
  queue->add_due("example2", "dummy", "2EEE");
  start();
  ASSERT_TRUE(provider->answer_object());
  settle();
  ASSERT_TRUE(provider->answer_object());
  settle();
  ASSERT_EQ(provider->finalizes_waiting(), 1u);
  ASSERT_EQ(timeouts->armed(), 1u);  // the finalize call's deadline only
  EXPECT_TRUE(queue->completed.empty());
  EXPECT_EQ(timeouts->pass_all(), 1u);
  settle();
  ASSERT_EQ(queue->rescheduled.size(), 1u);
  const auto& r = queue->rescheduled[0];
  EXPECT_TRUE(r.counts.counts_as_attempt);
  // The policy's fixed delay, from the decision (a moment before the transition's clock).
  EXPECT_LE(r.not_before_ms - r.now_ms, seven_minutes_ms);
  EXPECT_GT(r.not_before_ms - r.now_ms, seven_minutes_ms - 60 * 1000);
  // The late answer changes nothing.
  ASSERT_TRUE(provider->answer_finalize(providers::finalize_result::succeeded()));
  settle();
  EXPECT_TRUE(queue->completed.empty());
  EXPECT_EQ(queue->rescheduled.size(), 1u);
  EXPECT_EQ(stats().orders_rescheduled, 1u);
}

TEST_F(actor_unit, lease_renewal_racing_a_completion_ends_the_order_once) {
  queue->add_due("example2", "dummy", "2EEE");
  start();
  advance(options.renew_interval);
  run_actors();
  ASSERT_EQ(store->waiting(), 1u);  // the renewal, not yet run
  ASSERT_TRUE(provider->answer_object());
  run_actors();
  ASSERT_TRUE(provider->answer_object());
  run_actors();
  ASSERT_EQ(store->waiting(), 2u);  // the renewal, then the cycle with the completion
  ASSERT_TRUE(store->run(1));       // the completion wins the race
  ASSERT_TRUE(store->run(0));       // the renewal comes too late
  settle();
  ASSERT_EQ(queue->completed.size(), 1u);
  ASSERT_EQ(queue->renewals.size(), 1u);
  ASSERT_EQ(queue->refused.size(), 1u);  // the renewal of the completed lease
  EXPECT_TRUE(logged("lease could not be renewed (lost)"));
  EXPECT_EQ(stats().orders_synced, 1u);
  EXPECT_EQ(stats().orders_zombie, 0u);
  EXPECT_TRUE(queue->rescheduled.empty());
  EXPECT_TRUE(queue->parked.empty());
  // The next renewal round has no lease left to renew.
  advance(options.renew_interval);
  settle();
  EXPECT_EQ(queue->renewals.size(), 1u);
}

TEST_F(actor_unit, stop_lets_running_orders_end_and_gives_back_the_rest) {
  queue->add_due("example2", "dummy", "2EEE");
  queue->add_due("example2", "dummy", "1AAA");
  start();
  const auto claims = queue->claims.size();
  ASSERT_EQ(provider->objects_waiting(), 3u);
  caf::anon_send(dispatcher, stop_atom::value);
  settle();
  // 2EEE ends after the stop: completed, without another claim.
  ASSERT_TRUE(provider->answer_object_of("2EEE"));
  settle();
  ASSERT_TRUE(provider->answer_object_of("2EEE"));
  settle();
  ASSERT_EQ(queue->completed.size(), 1u);
  EXPECT_EQ(queue->completed[0].held.ref.order, "2EEE");
  EXPECT_EQ(queue->claims.size(), claims);
  // 1AAA is still running: its lease is given back.
  auto promise = std::make_shared<std::promise<std::size_t>>();
  auto given = promise->get_future();
  caf::anon_send(dispatcher, give_back_request{promise});
  settle();
  ASSERT_EQ(given.wait_for(std::chrono::seconds(0)), std::future_status::ready);
  EXPECT_EQ(given.get(), 1u);
  ASSERT_EQ(queue->released.size(), 1u);
  EXPECT_EQ(queue->released[0].ref.order, "1AAA");
  EXPECT_FALSE(queue->holds("example2", "dummy", "1AAA"));
}

TEST_F(actor_unit, a_completion_the_store_threads_refuse_waits_for_the_next_cycle) {
  queue->add_due("example2", "dummy", "2EEE");
  start();
  ASSERT_TRUE(provider->answer_object());
  settle();
  ASSERT_EQ(store->waiting(), 0u);
  store->refusing = true;  // no store thread takes jobs
  ASSERT_TRUE(provider->answer_object());
  run_actors();
  EXPECT_TRUE(queue->completed.empty());
  store->refusing = false;
  caf::anon_send(dispatcher, tick_atom::value);
  settle();
  ASSERT_EQ(queue->completed.size(), 1u);
  EXPECT_EQ(queue->completed[0].held.ref.order, "2EEE");
  EXPECT_EQ(stats().orders_synced, 1u);
}

TEST_F(actor_unit, a_renewal_the_store_threads_refuse_is_counted_and_logged) {
  queue->add_due("example2", "dummy", "2EEE");
  start();
  store->refusing = true;
  advance(options.renew_interval);
  run_actors();
  EXPECT_TRUE(logged("1 lease(s) not renewed: no store thread takes jobs"));
  EXPECT_EQ(stats().store_errors, 1u);
}

TEST_F(actor_unit, a_failure_the_store_threads_refuse_frees_its_slot_with_a_store_error) {
  queue->add_due("example2", "dummy", "2EEE");
  start();
  store->refusing = true;
  ASSERT_TRUE(provider->answer_object(providers::object_result::failed(providers::make_sync_error(
      sync_error_kind::recoverable, "CRM said no", "details", "crm-no"))));
  run_actors();
  EXPECT_TRUE(queue->rescheduled.empty());
  EXPECT_TRUE(logged("not rescheduled nor parked: no store thread takes jobs"));
  EXPECT_EQ(stats().store_errors, 1u);
  EXPECT_EQ(stats().in_flight, 0u);  // no longer renewed: its lease runs out
}

/// Claims 2EEE (after `attempts` failures) and fails its first object with an error of `kind`.
class retry_decisions : public actor_unit {
 protected:
  void fail_first_object(int attempts, sync_error_kind kind) {
    queue->add_due("example2", "dummy", "2EEE", attempts);
    start();
    ASSERT_TRUE(provider->answer_object(providers::object_result::failed(
        providers::make_sync_error(kind, "CRM said no", "details", "crm-no"))));
    settle();
  }
};

TEST_F(retry_decisions, recoverable_error_is_rescheduled_with_the_policys_delay) {
  fail_first_object(0, sync_error_kind::recoverable);
  ASSERT_EQ(queue->rescheduled.size(), 1u);
  const auto& r = queue->rescheduled[0];
  EXPECT_TRUE(r.counts.counts_as_attempt);
  EXPECT_LE(r.not_before_ms - r.now_ms, seven_minutes_ms);
  EXPECT_GT(r.not_before_ms - r.now_ms, seven_minutes_ms - 60 * 1000);
  EXPECT_TRUE(queue->parked.empty());
  EXPECT_EQ(observer->retried, 1);
}

TEST_F(retry_decisions, recoverable_error_at_max_attempts_parks_as_exceeded) {
  fail_first_object(2, sync_error_kind::recoverable);  // the 3rd failure of max_attempts 3
  ASSERT_EQ(queue->parked.size(), 1u);
  EXPECT_EQ(queue->parked[0].state, persistence::park_state::exceeded);
  EXPECT_EQ(queue->parked[0].cause, "crm-no");
  EXPECT_TRUE(queue->rescheduled.empty());
}

TEST_F(retry_decisions, config_error_parks_as_config) {
  fail_first_object(0, sync_error_kind::config);
  ASSERT_EQ(queue->parked.size(), 1u);
  EXPECT_EQ(queue->parked[0].state, persistence::park_state::config);
  EXPECT_TRUE(queue->rescheduled.empty());
  EXPECT_EQ(observer->parked, 1);
}

}  // namespace
}  // namespace tixsync::actors::testing
