// Tests for blocking_pool: tasks run on workers, the queue is bounded and rejects at once, a
// throwing task is reported and the worker survives, and shutdown abandons waiting tasks:
// every task ends exactly once, through run or abandon, on every path.
#include "providers/blocking_pool.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "tests/providers/provider_test_support.hpp"

namespace tixsync::providers {
namespace {

using testing::gate;
using testing::wait_until;

/// Counts how each task ended; a task must end exactly once.
struct endings {
  explicit endings(std::size_t n) : ran(n), abandoned(n) {}
  std::vector<std::atomic<int>> ran;
  std::vector<std::atomic<int>> abandoned;
  std::mutex mutex;
  std::vector<sync_error> errors;

  blocking_pool::task task(std::size_t i, std::function<void()> body = {}) {
    return {[this, i, body] {
              if (body) body();
              ++ran[i];
            },
            [this, i](const sync_error& error) {
              ++abandoned[i];
              std::lock_guard<std::mutex> lock(mutex);
              errors.push_back(error);
            }};
  }
  void expect_each_ended_once() {
    for (std::size_t i = 0; i < ran.size(); ++i) {
      EXPECT_EQ(ran[i] + abandoned[i], 1) << "task " << i;
    }
  }
};

TEST(blocking_pool, runs_tasks_on_its_worker_threads) {
  blocking_pool pool({2, 8});
  EXPECT_EQ(pool.threads(), 2u);
  EXPECT_EQ(pool.queue_capacity(), 8u);
  std::promise<std::thread::id> where;
  auto future = where.get_future();
  pool.submit({[&] { where.set_value(std::this_thread::get_id()); }, {}});
  EXPECT_NE(testing::wait_for_value(future), std::this_thread::get_id());
}

TEST(blocking_pool, rejects_at_once_when_the_queue_is_full) {
  blocking_pool pool({1, 2});
  gate release;
  endings end(4);
  ASSERT_TRUE(pool.submit(end.task(0, [&] { release.wait(); })));
  ASSERT_TRUE(wait_until([&] { return pool.running() == 1; }));
  EXPECT_TRUE(pool.submit(end.task(1)));
  EXPECT_TRUE(pool.submit(end.task(2)));
  EXPECT_EQ(pool.queued(), 2u);
  EXPECT_FALSE(pool.submit(end.task(3)));  // returns at once, on this thread
  EXPECT_EQ(end.abandoned[3], 1);
  ASSERT_EQ(end.errors.size(), 1u);
  EXPECT_EQ(end.errors[0].kind, sync_error_kind::rate_limited);
  EXPECT_EQ(end.errors[0].signature, "pool-saturated");
  release.open();
  ASSERT_TRUE(wait_until([&] { return end.ran[1] == 1 && end.ran[2] == 1; }));
  pool.shutdown();
  end.expect_each_ended_once();
}

TEST(blocking_pool, a_throwing_task_is_abandoned_as_internal_and_the_worker_survives) {
  blocking_pool pool({1, 4});
  endings end(2);
  pool.submit(end.task(0, [] { throw std::runtime_error("provider bug"); }));
  pool.submit(end.task(1));
  ASSERT_TRUE(wait_until([&] { return end.ran[1] == 1; }));
  EXPECT_EQ(end.abandoned[0], 1);
  ASSERT_EQ(end.errors.size(), 1u);
  EXPECT_EQ(end.errors[0].kind, sync_error_kind::internal);
  EXPECT_EQ(end.errors[0].full_message, "provider bug");
}

TEST(blocking_pool, a_throwing_abandon_handler_does_not_kill_the_worker) {
  blocking_pool pool({1, 4});
  std::atomic<int> ran{0};
  pool.submit({[] { throw std::runtime_error("run"); }, [](const sync_error&) { throw 1; }});
  pool.submit({[&] { ++ran; }, {}});
  EXPECT_TRUE(wait_until([&] { return ran == 1; }));
}

TEST(blocking_pool, shutdown_abandons_waiting_tasks_and_waits_for_running_ones) {
  blocking_pool pool({1, 8});
  gate release;
  endings end(5);
  pool.submit(end.task(0, [&] { release.wait(); }));
  ASSERT_TRUE(wait_until([&] { return pool.running() == 1; }));
  for (std::size_t i = 1; i < 4; ++i) pool.submit(end.task(i));
  std::thread stopper([&] { pool.shutdown(); });
  // The waiting tasks are abandoned while the running one still blocks shutdown.
  ASSERT_TRUE(wait_until([&] { return end.abandoned[3] == 1; }));
  EXPECT_EQ(end.ran[0], 0);
  release.open();
  stopper.join();
  EXPECT_EQ(end.ran[0], 1);
  EXPECT_FALSE(pool.submit(end.task(4)));  // after shutdown
  end.expect_each_ended_once();
  for (const auto& error : end.errors) {
    EXPECT_EQ(error.kind, sync_error_kind::recoverable);
    EXPECT_EQ(error.signature, "shutdown");
  }
  EXPECT_EQ(end.errors.size(), 4u);
  pool.shutdown();  // idempotent
}

TEST(blocking_pool, every_task_ends_exactly_once_under_concurrent_submitters) {
  constexpr std::size_t per_thread = 300;
  constexpr std::size_t submitters = 4;
  endings end(per_thread * submitters);
  {
    blocking_pool pool({2, 16});
    std::vector<std::thread> threads;
    for (std::size_t t = 0; t < submitters; ++t) {
      threads.emplace_back([&, t] {
        for (std::size_t i = 0; i < per_thread; ++i) pool.submit(end.task(t * per_thread + i));
      });
    }
    for (auto& thread : threads) thread.join();
  }  // the destructor shuts down: whatever still waits is abandoned
  end.expect_each_ended_once();
}

TEST(blocking_pool, refuses_zero_threads_or_capacity) {
  EXPECT_THROW(blocking_pool({0, 4}), std::invalid_argument);
  EXPECT_THROW(blocking_pool({1, 0}), std::invalid_argument);
}

}  // namespace
}  // namespace tixsync::providers
