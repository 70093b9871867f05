// Tests for persistence::worker_pool without Redis: per-thread state made once on each thread,
// named threads, the bounded queue refusing when full, both drain policies at stop, a throwing
// job counted and logged while its thread carries on, and a pool where no thread could set up.
#include "persistence/worker_pool.hpp"

#include <gtest/gtest.h>
#include <pthread.h>

#include <chrono>
#include <future>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/captured_log.hpp"
#include "tests/support/eventually.hpp"

namespace tixsync::persistence {
namespace {

using tixsync::testing::captured_log;
using tixsync::testing::eventually;

/// What a test thread owns: the thread it was made on.
struct thread_state {
  std::thread::id made_on = std::this_thread::get_id();
};

worker_pool_options options_of(std::size_t threads, std::size_t max_queued, drain_policy policy,
                               captured_log& log) {
  worker_pool_options o;
  o.name = "tx-test";
  o.threads = threads;
  o.max_queued = max_queued;
  o.on_stop = policy;
  o.log = log.sink();
  return o;
}

worker_pool<thread_state>::factory states() {
  return [] { return std::make_unique<thread_state>(); };
}

/// A job that holds its thread until open() is called (bounded: it gives up after 30 s).
struct gate {
  std::promise<void> opened;
  std::shared_future<void> wait_for = opened.get_future().share();
  std::atomic<int> entered{0};

  worker_pool<thread_state>::job hold() {
    return [this](thread_state&) {
      ++entered;
      wait_for.wait_for(std::chrono::seconds(30));
    };
  }
  void open() { opened.set_value(); }
};

TEST(worker_pool, each_thread_makes_its_state_once_and_carries_the_pool_name) {
  captured_log log;
  worker_pool<thread_state> pool(options_of(2, 0, drain_policy::run_queued, log), states());
  std::mutex mutex;
  std::set<std::string> names;
  std::atomic<int> done{0};
  std::atomic<int> foreign{0};
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(pool.post([&](thread_state& s) {
      if (s.made_on != std::this_thread::get_id()) ++foreign;
      char name[16] = {};
      pthread_getname_np(pthread_self(), name, sizeof name);
      std::lock_guard<std::mutex> lock(mutex);
      names.insert(name);
      ++done;
    }));
  }
  ASSERT_TRUE(eventually([&] { return done.load() == 20; }));
  EXPECT_EQ(foreign.load(), 0);
  for (const auto& name : names) EXPECT_TRUE(name == "tx-test-0" || name == "tx-test-1") << name;
  EXPECT_EQ(pool.failures(), 0u);
}

TEST(worker_pool, a_full_queue_refuses_at_once) {
  captured_log log;
  worker_pool<thread_state> pool(options_of(1, 2, drain_policy::run_queued, log), states());
  gate g;
  ASSERT_TRUE(pool.post(g.hold()));
  ASSERT_TRUE(eventually([&] { return g.entered.load() == 1; }));  // the thread is busy
  std::atomic<int> ran{0};
  EXPECT_TRUE(pool.post([&](thread_state&) { ++ran; }));
  EXPECT_TRUE(pool.post([&](thread_state&) { ++ran; }));
  EXPECT_FALSE(pool.post([&](thread_state&) { ran += 100; }));  // two wait already
  EXPECT_EQ(pool.pending(), 3u);
  g.open();
  pool.stop();
  EXPECT_EQ(ran.load(), 2);
}

TEST(worker_pool, run_queued_policy_runs_what_waits_then_refuses) {
  captured_log log;
  worker_pool<thread_state> pool(options_of(1, 0, drain_policy::run_queued, log), states());
  gate g;
  ASSERT_TRUE(pool.post(g.hold()));
  std::atomic<int> ran{0};
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(pool.post([&](thread_state&) { ++ran; }));
  std::thread stopper([&] { pool.stop(); });
  ASSERT_TRUE(eventually([&] { return !pool.post([](thread_state&) {}); }));
  g.open();
  stopper.join();
  EXPECT_EQ(ran.load(), 5);
  EXPECT_EQ(pool.abandoned(), 0u);
  EXPECT_TRUE(log.lines().empty());
}

TEST(worker_pool, abandon_policy_drops_what_waits_and_logs_how_many_and_why) {
  captured_log log;
  worker_pool<thread_state> pool(options_of(1, 0, drain_policy::run_queued, log), states());
  gate g;
  ASSERT_TRUE(pool.post(g.hold()));
  ASSERT_TRUE(eventually([&] { return g.entered.load() == 1; }));
  std::atomic<int> ran{0};
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(pool.post([&](thread_state&) { ++ran; }));
  std::thread opener([&] {
    eventually([&] { return pool.abandoned() == 3; });
    g.open();
  });
  pool.stop(drain_policy::abandon_queued, "stopped at once");
  opener.join();
  EXPECT_EQ(ran.load(), 0);
  EXPECT_EQ(pool.abandoned(), 3u);
  const auto lines = log.lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0], "tx-test: 3 queued job(s) abandoned unrun: stopped at once");
}

TEST(worker_pool, a_throwing_job_is_counted_and_logged_and_the_thread_carries_on) {
  captured_log log;
  worker_pool<thread_state> pool(options_of(1, 0, drain_policy::run_queued, log), states());
  ASSERT_TRUE(pool.post([](thread_state&) { throw std::runtime_error("no such key"); }));
  ASSERT_TRUE(pool.post([](thread_state&) { throw 42; }));
  std::atomic<bool> after{false};
  ASSERT_TRUE(pool.post([&](thread_state&) { after = true; }));
  pool.stop();
  EXPECT_TRUE(after.load());
  EXPECT_EQ(pool.failures(), 2u);
  const auto lines = log.lines();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], "tx-test: a job failed: no such key");
  EXPECT_EQ(lines[1], "tx-test: a job failed with an unknown exception");
}

TEST(worker_pool, run_here_uses_a_state_of_the_calling_thread) {
  captured_log log;
  worker_pool<thread_state> pool(options_of(1, 0, drain_policy::run_queued, log), states());
  bool mine = false;
  pool.run_here([&](thread_state& s) { mine = s.made_on == std::this_thread::get_id(); });
  EXPECT_TRUE(mine);
  pool.run_here([](thread_state&) { throw std::runtime_error("check failed"); });
  EXPECT_EQ(pool.failures(), 1u);
}

TEST(worker_pool, a_thread_whose_state_cannot_be_made_logs_it_and_the_others_work) {
  captured_log log;
  std::atomic<int> made{0};
  worker_pool<thread_state> pool(options_of(2, 0, drain_policy::run_queued, log), [&made] {
    if (made++ == 0) throw std::runtime_error("cannot set up");
    return std::make_unique<thread_state>();
  });
  std::atomic<int> ran{0};
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(pool.post([&](thread_state&) { ++ran; }));
  pool.stop();
  EXPECT_EQ(ran.load(), 4);
  EXPECT_EQ(pool.failures(), 1u);
  const auto lines = log.lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0], "tx-test: a thread could not set up: cannot set up");
}

TEST(worker_pool, a_pool_where_no_thread_could_set_up_refuses_jobs_and_abandons_the_queued) {
  captured_log log;
  gate setting_up;  // the factories throw once it opens, after the jobs below are queued
  worker_pool<thread_state> pool(options_of(2, 0, drain_policy::run_queued, log), [&setting_up] {
    setting_up.wait_for.wait_for(std::chrono::seconds(30));
    throw std::runtime_error("cannot set up");
    return std::unique_ptr<thread_state>();
  });
  // Each queued job holds a promise its caller waits on, as a user's job does.
  std::vector<std::future<void>> answers;
  for (int i = 0; i < 3; ++i) {
    auto answer = std::make_shared<std::promise<void>>();
    answers.push_back(answer->get_future());
    ASSERT_TRUE(pool.post([answer](thread_state&) { answer->set_value(); }));
  }
  setting_up.open();
  ASSERT_TRUE(eventually([&] { return log.lines().size() == 3; }));
  EXPECT_FALSE(pool.post([](thread_state&) {}));
  EXPECT_EQ(pool.abandoned(), 3u);
  EXPECT_EQ(pool.failures(), 2u);
  for (auto& answer : answers) {
    ASSERT_EQ(answer.wait_for(std::chrono::seconds(30)), std::future_status::ready);
    EXPECT_THROW(answer.get(), std::future_error);  // abandoned unrun: the promise is broken
  }
  pool.stop();
  const auto lines = log.lines();
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], "tx-test: a thread could not set up: cannot set up");
  EXPECT_EQ(lines[1], "tx-test: a thread could not set up: cannot set up");
  EXPECT_EQ(lines[2],
            "tx-test: 3 queued job(s) abandoned unrun: no thread of the pool could set up");
}

}  // namespace
}  // namespace tixsync::persistence
