// The running node's heartbeat against a real redis-server: a tick writes the beat with the node's
// counters on the heartbeat's own Redis thread, a tick within the interval writes nothing,
// leave() marks the node gone, and a leave its thread cannot take (a beat still waits on a stalled
// Redis) is logged, not dropped silently.
#include "app/heartbeat.hpp"

#include <gtest/gtest.h>
#include <pthread.h>

#include <csignal>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "app/queue_access.hpp"
#include "tests/support/captured_log.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/redis_server.hpp"

namespace tixsync::app {
namespace {

using tixsync::testing::captured_log;
using tixsync::testing::eventually;

class heartbeat_test : public ::testing::Test {
 protected:
  void SetUp() override {
    redis_.start();
    options_.host = redis_.host();
    options_.port = redis_.port();
    options_.round_trip = [this](std::chrono::microseconds) {
      char name[16] = {};
      pthread_getname_np(pthread_self(), name, sizeof name);
      std::lock_guard<std::mutex> lock(mutex_);
      threads_.insert(name);
      ++round_trips_;
    };
  }

  std::vector<persistence::node_entry> listed() {
    persistence::redis_connection c(redis_options());
    persistence::node_registry nodes(c, persistence::key_space("hb"));
    auto entries = nodes.list(now_ms());
    return entries ? *entries : std::vector<persistence::node_entry>{};
  }
  persistence::connection_options redis_options() const {
    persistence::connection_options o;
    o.host = redis_.host();
    o.port = redis_.port();
    return o;
  }
  int round_trips() {
    std::lock_guard<std::mutex> lock(mutex_);
    return round_trips_;
  }

  tixsync::testing::redis_server redis_;
  persistence::connection_options options_;
  std::mutex mutex_;
  std::set<std::string> threads_;
  int round_trips_ = 0;
};

TEST_F(heartbeat_test, a_tick_beats_on_its_own_thread_and_leave_marks_the_node_gone) {
  persistence::node_heartbeat beat;
  beat.name = "node-a";
  beat.host = "host-a";
  heartbeat h(options_, persistence::key_space("hb"), beat, {});
  actors::node_stats stats;
  stats.in_flight = 3;
  stats.orders_synced = 12;
  h.tick(stats);
  ASSERT_TRUE(eventually([&] { return !listed().empty(); }));
  auto entries = listed();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_TRUE(entries[0].alive);
  EXPECT_EQ(entries[0].heartbeat.in_flight, 3);
  EXPECT_EQ(entries[0].heartbeat.synced, 12);
  const auto first_beat_ms = entries[0].heartbeat.beat_ms;
  stats.orders_synced = 13;
  h.tick(stats);  // within the interval: nothing is written
  EXPECT_GT(round_trips(), 0);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    EXPECT_EQ(threads_,
              std::set<std::string>{"tx-beat-0"});  // the beats; the leave is the caller's
  }
  h.leave();
  entries = listed();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_FALSE(entries[0].alive);
  EXPECT_EQ(entries[0].heartbeat.beat_ms, first_beat_ms);
}

/// Holds a redis-server stopped (SIGSTOP by PID) until resumed or destroyed: its commands wait.
class stalled_redis {
 public:
  explicit stalled_redis(pid_t pid) : pid_(pid) { ::kill(pid_, SIGSTOP); }
  ~stalled_redis() { resume(); }
  void resume() {
    if (pid_ > 0) ::kill(pid_, SIGCONT);
    pid_ = -1;
  }

 private:
  pid_t pid_;
};

// A slow Redis fills the one-beat queue; the leave still goes out, after the beats, once Redis
// answers again, and the node is listed as gone.
TEST_F(heartbeat_test, a_leave_behind_waiting_beats_is_written_after_them) {
  options_.command_timeout = std::chrono::seconds(30);  // a beat waits as long as Redis stalls
  persistence::node_heartbeat beat;
  beat.name = "node-a";
  captured_log log;
  heartbeat h(options_, persistence::key_space("hb"), beat, log.sink());
  actors::node_stats stats;
  h.tick(stats);
  ASSERT_TRUE(eventually([&] { return !listed().empty(); }));  // connected
  stalled_redis stalled(redis_.pid());
  std::this_thread::sleep_for(heartbeat::interval);
  h.tick(stats);  // written by the thread, waiting for the stalled Redis
  std::this_thread::sleep_for(heartbeat::interval);
  h.tick(stats);  // queued behind it: the queue (one beat) is full
  std::thread resumer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));  // leave() is waiting by now
    stalled.resume();
  });
  h.leave();
  resumer.join();
  EXPECT_TRUE(log.lines().empty()) << log.lines().front();
  const auto entries = listed();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_FALSE(entries[0].alive);
}

}  // namespace
}  // namespace tixsync::app
