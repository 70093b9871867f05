// Faults and shutdown through whole nodes: a provider call or finalize that never returns (and
// answers that come after the timeout), a node killed mid-sync whose work another node finishes
// (nothing synced twice), and graceful stops that let running orders finish or give their
// leases back (not counted as lease expiries).
#include <gtest/gtest.h>

#include <future>
#include <mutex>
#include <vector>

#include "actors/node.hpp"
#include "providers/example/example_providers.hpp"
#include "tests/actors/node_fixture.hpp"
#include "tests/actors/pretix_example_data.hpp"
#include "tests/actors/test_providers.hpp"

namespace tixsync::actors::testing {
namespace {

using persistence::item_state;
using providers::example::in_memory_database;
using providers::example::order_and_ticket_sync;

class faults : public node_fixture {
 protected:
  void SetUp() override {
    node_fixture::SetUp();
    put_event("dummy", example_event_json());
  }
  std::shared_ptr<wrapping_provider> make_provider() {
    return std::make_shared<wrapping_provider>(std::make_shared<order_and_ticket_sync>(database));
  }
  void enqueue_both() {
    enqueue("example2", "dummy", {{"1AAA", order_1aaa_json(false)}, {"2EEE", order_2eee_json()}});
  }
  bool both_gone() {
    return gone("example2", "dummy", "1AAA") && gone("example2", "dummy", "2EEE");
  }

  std::shared_ptr<in_memory_database> database = std::make_shared<in_memory_database>();
};

TEST_F(faults, a_provider_call_that_never_returns_times_out_and_is_rescheduled) {
  auto p = make_provider();
  p->mode = call_mode::hang;
  node_options o = options();
  o.provider_call_timeout = std::chrono::milliseconds(150);
  sync_node node(o, registry_of(p));
  node.start();
  enqueue("example2", "dummy", {{"2EEE", order_2eee_json()}});
  ASSERT_TRUE(wait_until([&] { return node.stats().orders_rescheduled == 1; }));
  auto items = item("example2", "dummy", "2EEE");
  ASSERT_TRUE(items.waiting.has_value());
  EXPECT_EQ(items.waiting->state, item_state::scheduled);  // default backoff: minutes away
  EXPECT_EQ(items.waiting->attempts, 1);
  EXPECT_EQ(items.waiting->errors, std::vector<std::string>{"Provider call timed out"});
  // stop() from another thread than start(), as a program's signal thread would call it.
  std::async(std::launch::async, [&] { node.stop(std::chrono::seconds(1)); }).get();
}

TEST_F(faults, answers_that_come_after_the_call_timeout_change_nothing) {
  auto p = make_provider();
  p->mode = call_mode::hang;
  node_options o = options();
  o.provider_call_timeout = std::chrono::milliseconds(150);
  sync_node node(o, registry_of(p));
  node.start();
  enqueue("example2", "dummy", {{"2EEE", order_2eee_json()}});
  ASSERT_TRUE(wait_until([&] { return node.stats().orders_rescheduled == 1; }));
  p->release_held(true);  // the provider answers now, long after the timeout
  ASSERT_TRUE(wait_until([&] { return p->forwarded.load() > 0 && p->held() == 0; }));
  node.stop(std::chrono::seconds(1));
  const auto stats = node.stats();
  EXPECT_EQ(stats.orders_synced, 0u);
  EXPECT_EQ(stats.orders_rescheduled, 1u);
  EXPECT_EQ(stats.objects_synced, 0u);
  EXPECT_EQ(stats.store_errors, 0u);
  auto items = item("example2", "dummy", "2EEE");
  ASSERT_TRUE(items.waiting.has_value());
  EXPECT_EQ(items.waiting->attempts, 1);
}

/// finalize_sync_order keeps its completion and never answers (until answer_held()).
class hanging_finalize : public wrapping_provider {
 public:
  using wrapping_provider::wrapping_provider;
  void finalize_sync_order(providers::finalize_request request,
                           providers::finalize_completion done) override {
    std::lock_guard<std::mutex> lock(mutex);
    held.push_back(std::move(done));
  }
  std::size_t answer_held() {
    std::vector<providers::finalize_completion> answers;
    {
      std::lock_guard<std::mutex> lock(mutex);
      answers.swap(held);
    }
    for (auto& done : answers) done(providers::finalize_result::succeeded());
    return answers.size();
  }
  std::mutex mutex;
  std::vector<providers::finalize_completion> held;
};

TEST_F(faults, a_finalize_that_never_answers_times_out_and_keeps_the_results) {
  auto p = std::make_shared<hanging_finalize>(std::make_shared<order_and_ticket_sync>(database));
  node_options o = options();
  o.provider_call_timeout = std::chrono::milliseconds(150);
  sync_node node(o, registry_of(p));
  node.start();
  enqueue("example2", "dummy", {{"2EEE", order_2eee_json()}});
  ASSERT_TRUE(wait_until([&] { return node.stats().orders_rescheduled == 1; }));
  auto items = item("example2", "dummy", "2EEE");
  ASSERT_TRUE(items.waiting.has_value());
  EXPECT_EQ(items.waiting->errors, std::vector<std::string>{"finalize_sync_order timed out"});
  // Every object was synced before finalize: their results are stored (reference 7.5).
  EXPECT_EQ(results("example2", "dummy", "2EEE").size(),
            static_cast<std::size_t>(p->forwarded.load()));
  EXPECT_EQ(p->answer_held(), 1u);  // a late success changes nothing
  node.stop(std::chrono::seconds(1));
  EXPECT_EQ(node.stats().orders_synced, 0u);
  EXPECT_EQ(item("example2", "dummy", "2EEE").waiting->attempts, 1);
}

TEST_F(faults, a_node_killed_mid_sync_is_resumed_by_another_without_duplicates) {
  auto stuck = make_provider();
  stuck->mode = call_mode::hang;
  node_options first = options("n1");
  first.lease = std::chrono::milliseconds(300);
  first.renew_interval = std::chrono::milliseconds(100);
  sync_node n1(first, registry_of(stuck));
  n1.start();
  enqueue_both();
  ASSERT_TRUE(wait_until([&] { return stuck->held() == 3; }));  // three tickets in flight
  n1.hard_stop();

  node_options second = options("n2");
  second.concurrency = 1;  // one order at a time: the external ids come out as in pretix
  sync_node n2(second, registry_of(make_provider()));
  n2.start();
  ASSERT_TRUE(wait_until([&] { return both_gone(); }));
  n2.stop(std::chrono::seconds(5));
  EXPECT_EQ(database->dump(), expected_association_records());
  EXPECT_EQ(database->calls(in_memory_database::call::create), 5u);
  EXPECT_EQ(n1.stats().orders_synced, 0u);
}

TEST_F(faults, stop_lets_running_orders_finish_within_the_grace_period) {
  auto p = make_provider();
  p->mode = call_mode::hang;
  sync_node node(options(), registry_of(p));
  node.start();
  enqueue("example2", "dummy", {{"2EEE", order_2eee_json()}});
  ASSERT_TRUE(wait_until([&] { return p->held() == 1; }));
  p->mode = call_mode::pass;
  auto releasing = std::async(std::launch::async, [&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    p->release_held(true);
  });
  const stop_report report = node.stop(std::chrono::seconds(5));
  releasing.get();
  EXPECT_EQ(report.finished, 1u);
  EXPECT_EQ(report.given_back, 0u);
  EXPECT_TRUE(gone("example2", "dummy", "2EEE"));
}

TEST_F(faults, stop_gives_back_the_leases_of_orders_that_did_not_finish) {
  auto stuck = make_provider();
  stuck->mode = call_mode::hang;
  node_options o = options("n1");
  sync_node n1(o, registry_of(stuck));
  n1.start();
  enqueue_both();
  ASSERT_TRUE(wait_until([&] { return stuck->held() == 3; }));
  const stop_report report = n1.stop(std::chrono::milliseconds(100));
  EXPECT_EQ(report.finished, 0u);
  EXPECT_EQ(report.given_back, 2u);
  auto items = item("example2", "dummy", "1AAA");
  EXPECT_FALSE(items.in_flight.has_value());
  ASSERT_TRUE(items.waiting.has_value());
  EXPECT_EQ(items.waiting->state, item_state::due);

  node_options second = options("n2");
  second.concurrency = 1;
  sync_node n2(second, registry_of(make_provider()));
  n2.start();
  ASSERT_TRUE(wait_until([&] { return both_gone(); }));
  n2.stop(std::chrono::seconds(5));
  EXPECT_EQ(database->dump(), expected_association_records());
}

TEST_F(faults, an_order_given_back_by_three_graceful_stops_is_not_parked) {
  enqueue("example2", "dummy", {{"2EEE", order_2eee_json()}});
  for (int restart = 1; restart <= 3; ++restart) {
    auto stuck = make_provider();
    stuck->mode = call_mode::hang;
    sync_node node(options("n" + std::to_string(restart)), registry_of(stuck));
    node.start();
    ASSERT_TRUE(wait_until([&] { return stuck->held() == 1; })) << restart;
    const stop_report report = node.stop(std::chrono::milliseconds(50));
    EXPECT_EQ(report.given_back, 1u) << restart;
    stuck->release_held(false);
    auto items = item("example2", "dummy", "2EEE");
    EXPECT_FALSE(items.in_flight.has_value()) << restart;
    ASSERT_TRUE(items.waiting.has_value()) << restart;
    EXPECT_EQ(items.waiting->state, item_state::due) << restart;  // a give-back is no crash
    EXPECT_EQ(items.waiting->expiries, 0) << restart;
    EXPECT_EQ(items.waiting->attempts, 0) << restart;
  }
  sync_node last(options("n4"), registry_of(make_provider()));
  last.start();
  ASSERT_TRUE(wait_until([&] { return gone("example2", "dummy", "2EEE"); }));
  last.stop(std::chrono::seconds(5));
}

TEST_F(faults, hard_stop_during_a_graceful_stop_ends_it_at_once_without_give_back) {
  auto stuck = make_provider();
  stuck->mode = call_mode::hang;
  sync_node node(options(), registry_of(stuck));
  node.start();
  enqueue("example2", "dummy", {{"2EEE", order_2eee_json()}});
  ASSERT_TRUE(wait_until([&] { return stuck->held() == 1; }));
  const auto started = std::chrono::steady_clock::now();
  auto stopping =
      std::async(std::launch::async, [&] { return node.stop(std::chrono::seconds(30)); });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  node.hard_stop();  // the second signal
  const stop_report report = stopping.get();
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
  EXPECT_EQ(report.given_back, 0u);
  EXPECT_TRUE(item("example2", "dummy", "2EEE").in_flight.has_value());  // until its lease ends
}

}  // namespace
}  // namespace tixsync::actors::testing
