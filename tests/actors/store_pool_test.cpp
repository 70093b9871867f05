// Tests for the node's store threads over an in-memory queue port: named `tx-store-N` with a port
// each, a job that throws is logged through the node's log (not swallowed) and the thread goes on,
// a hard stop abandons the queued jobs with a reason, and threads that cannot make their port
// leave a pool that refuses jobs.
#include "actors/store_pool.hpp"

#include <gtest/gtest.h>
#include <pthread.h>

#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "tests/actors/fake_queue_port.hpp"
#include "tests/support/captured_log.hpp"
#include "tests/support/eventually.hpp"

namespace tixsync::actors {
namespace {

using tixsync::testing::captured_log;
using tixsync::testing::eventually;

persistence::queue_port_factory fake_ports() {
  auto queue = std::make_shared<testing::fake_queue>();
  return [queue] { return testing::make_fake_port(queue); };
}

TEST(store_pool, threads_are_named_and_own_a_port_each) {
  captured_log log;
  store_pool pool(fake_ports(), 2, log.sink());
  std::mutex mutex;
  std::set<std::string> names;
  std::set<const persistence::queue_port*> ports;
  std::atomic<int> done{0};
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(pool.post([&](store_worker& w) {
      char name[16] = {};
      pthread_getname_np(pthread_self(), name, sizeof name);
      std::lock_guard<std::mutex> lock(mutex);
      names.insert(name);
      ports.insert(w.port.get());
      ++done;
    }));
  }
  ASSERT_TRUE(eventually([&] { return done.load() == 20; }));
  pool.stop(true);
  for (const auto& name : names) EXPECT_TRUE(name == "tx-store-0" || name == "tx-store-1") << name;
  EXPECT_LE(ports.size(), 2u);
}

TEST(store_pool, a_throwing_job_is_logged_and_the_thread_goes_on) {
  captured_log log;
  store_pool pool(fake_ports(), 1, log.sink());
  ASSERT_TRUE(pool.post([](store_worker&) { throw std::runtime_error("reply of a wrong shape"); }));
  std::atomic<bool> after{false};
  ASSERT_TRUE(pool.post([&](store_worker&) { after = true; }));
  pool.stop(true);
  EXPECT_TRUE(after.load());
  const auto lines = log.lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0], "tx-store: a job failed: reply of a wrong shape");
}

TEST(store_pool, a_hard_stop_abandons_queued_jobs_with_a_reason) {
  captured_log log;
  store_pool pool(fake_ports(), 1, log.sink());
  std::promise<void> release;
  auto released = release.get_future().share();
  std::atomic<bool> holding{false};
  ASSERT_TRUE(pool.post([&](store_worker&) {
    holding = true;
    released.wait_for(std::chrono::seconds(30));
  }));
  ASSERT_TRUE(eventually([&] { return holding.load(); }));
  std::atomic<int> ran{0};
  for (int i = 0; i < 2; ++i) ASSERT_TRUE(pool.post([&](store_worker&) { ++ran; }));
  std::thread opener([&] {
    eventually([&] { return !log.lines().empty(); });
    release.set_value();
  });
  pool.stop(false);
  opener.join();
  EXPECT_EQ(ran.load(), 0);
  const auto lines = log.lines();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0],
            "tx-store: 2 queued job(s) abandoned unrun: the node stopped at once; the leases of "
            "their orders run out");
  EXPECT_FALSE(pool.post([](store_worker&) {}));
}

TEST(store_pool, threads_that_cannot_make_their_port_leave_a_pool_that_refuses_jobs) {
  captured_log log;
  store_pool pool(
      []() -> std::unique_ptr<persistence::queue_port> {
        throw std::runtime_error("no port today");
      },
      2, log.sink());
  // A dispatcher's job is refused at once rather than queued for no thread.
  ASSERT_TRUE(eventually([&] { return !pool.post([](store_worker&) {}); }));
  const auto lines = log.lines();
  ASSERT_GE(lines.size(), 2u);
  EXPECT_EQ(lines[0], "tx-store: a thread could not set up: no port today");
  EXPECT_EQ(lines[1], "tx-store: a thread could not set up: no port today");
  EXPECT_EQ(pool.pending(), 0u);
  pool.stop(true);
}

}  // namespace
}  // namespace tixsync::actors
