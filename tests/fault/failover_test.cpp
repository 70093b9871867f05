// A Redis failover in the middle of a sync: a `tixsync run` node finds its Redis through three
// sentinels (a master and a replica, real processes) and syncs orders into `tixsync mock-crm`
// while a client enqueues more; the master is failed over by SENTINEL FAILOVER or SIGKILLed.
// Every order ends synced exactly once and no acknowledged enqueue is lost. Also the sentinel
// group alone: a master killed while the machine stalls is replaced, and a failover that cannot
// happen is reported with the step that ran out.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <cstdio>
#include <mutex>
#include <set>
#include <thread>

#include "tests/fault/fleet.hpp"
#include "tests/fault/fleet_checks.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/redis_sentinel.hpp"

namespace tixsync::testing {
namespace {

using nlohmann::json;
using std::chrono::seconds;

/// Enqueues batches of new orders one `tixsync enqueue` each, noting the acknowledged ones.
class enqueue_client {
 public:
  enqueue_client(fleet& f, int first, int batch, int batches) : f_(f), batch_(batch) {
    for (int b = 0; b < batches; ++b) {
      files_.push_back(f.write_orders("batch" + std::to_string(b) + ".jsonl",
                                      synthetic_orders(batch, first + b * batch)));
    }
    thread_ = std::thread([this] {
      for (std::size_t b = 0; b < files_.size() && !stop_; ++b) {
        if (f_.enqueue(files_[b])) {
          std::lock_guard<std::mutex> lock(mutex_);
          acknowledged_.push_back(static_cast<int>(b));
        }
        attempted_ = static_cast<int>(b) + 1;
      }
    });
  }
  ~enqueue_client() { finish(); }
  void finish() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  std::vector<int> acknowledged() {
    std::lock_guard<std::mutex> lock(mutex_);
    return acknowledged_;
  }
  int attempted() const { return attempted_; }
  int batch() const { return batch_; }

 private:
  fleet& f_;
  int batch_;
  std::vector<std::string> files_;
  std::mutex mutex_;
  std::vector<int> acknowledged_;
  std::atomic<int> attempted_{0};
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

/// Polls (bounded) until `client` has `n` acknowledged batches or has tried them all.
void wait_acknowledged(enqueue_client& client, std::size_t n, int batches) {
  for (int i = 0; i < 600 && client.acknowledged().size() < n && client.attempted() < batches;
       ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

/// Syncs `n` fed orders through one node, fails the master over in the middle (`kill`: SIGKILL
/// instead of SENTINEL FAILOVER) while a client enqueues batches, and checks the outcome.
void sync_through_a_failover(bool kill) {
  const int n = orders_or(400);
  constexpr int batch = 10;
  constexpr int batches = 40;
  fleet_options o;
  o.sentinels = true;
  o.mock_args = {"--latency-ms", "5"};
  o.lease = "10s";  // renewals written to a master that is being demoted may be lost
  fleet f(o);
  ASSERT_GT(f.crm().port(), 0);
  auto& node = f.start_node("a", f.write_orders("first.jsonl", synthetic_orders(n)));
  ASSERT_TRUE(f.wait_until_created(static_cast<std::uint64_t>(n / 2), seconds(120))) << node.log();

  enqueue_client client(f, n, batch, batches);
  wait_acknowledged(client, 2, batches);
  if (kill) {
    const auto killed = f.sentinels().kill_master(seconds(60));
    ASSERT_TRUE(killed) << "the sentinels promoted no replica: " << killed.failure;
    std::printf("kill_master: %s\n", killed.steps.c_str());
  } else {
    const auto failed_over = f.sentinels().fail_over(seconds(60));
    ASSERT_TRUE(failed_over) << "SENTINEL FAILOVER did not finish: " << failed_over.failure;
    std::printf("fail_over: %s\n", failed_over.steps.c_str());
  }
  const std::size_t before = client.acknowledged().size();
  wait_acknowledged(client, before + 3, batches);
  client.finish();
  const auto acknowledged = client.acknowledged();
  ASSERT_GT(acknowledged.size(), before) << "no enqueue was acknowledged by the new master";
  std::printf("%zu of %d batches acknowledged, %zu before the failover\n", acknowledged.size(),
              client.attempted(), before);

  ASSERT_TRUE(f.wait_until_finished(seconds(180))) << json(f.queue().states).dump();
  expect_queue_empty(f);
  EXPECT_TRUE(node.running()) << node.log();
  EXPECT_NE(node.log().find("Redis master 'tixsync-master' moved from"), std::string::npos)
      << node.log();

  const json dump = f.crm().dump();
  ASSERT_TRUE(dump.is_object());
  const auto contacts = count_objects(dump, "contact", "email");
  const auto tickets = count_objects(dump, "ticket", "ticket_id");
  EXPECT_EQ(contacts.distinct, contacts.objects) << "duplicate contacts";
  EXPECT_EQ(tickets.distinct, tickets.objects) << "duplicate tickets";
  EXPECT_EQ(tickets.objects, 2 * contacts.objects);
  std::set<std::string> emails;
  for (const auto& c : dump["contact"]) emails.insert(c.value("email", ""));
  for (int i = 0; i < n; ++i) {
    EXPECT_TRUE(emails.count("buyer" + std::to_string(i) + "@example.org")) << synthetic_code(i);
  }
  for (int b : acknowledged) {
    for (int i = n + b * batch; i < n + (b + 1) * batch; ++i) {
      EXPECT_TRUE(emails.count("buyer" + std::to_string(i) + "@example.org"))
          << synthetic_code(i) << " of acknowledged batch " << b << " was lost";
    }
  }
  f.stop_nodes();
}

TEST(fault_failover, a_sentinel_failover_in_the_middle_of_a_sync_loses_nothing_acknowledged) {
  sync_through_a_failover(false);
}

TEST(fault_failover, a_killed_master_is_replaced_and_every_order_is_synced_once) {
  sync_through_a_failover(true);
}

TEST(fault_failover, a_master_killed_while_the_machine_stalls_is_still_replaced) {
  using namespace std::chrono_literals;
  redis_sentinel_group group;
  const int master_port = group.server(0).port();
  const std::vector<pid_t> stalled = {group.sentinel(0).pid(), group.sentinel(1).pid(),
                                      group.sentinel(2).pid(), group.server(1).pid()};
  // Once the master is gone, every other process stops for 3 s as on a stalled machine: each
  // sentinel's timer runs late by more than 2 s, which puts it into TILT mode.
  std::thread stall([&] {
    eventually([&] { return !redis_server::ping("127.0.0.1", master_port, 500ms); }, 60s, 10ms);
    for (pid_t pid : stalled) ::kill(pid, SIGSTOP);
    std::this_thread::sleep_for(3s);
    for (pid_t pid : stalled) ::kill(pid, SIGCONT);
  });
  const auto killed = group.kill_master(seconds(60));
  stall.join();
  ASSERT_TRUE(killed) << "the sentinels promoted no replica: " << killed.failure;
  std::printf("kill_master: %s\n", killed.steps.c_str());
}

TEST(fault_failover, a_failover_that_cannot_happen_names_the_step_that_ran_out_and_the_logs) {
  redis_sentinel_group group;
  group.server(1).kill();  // no replica left to promote
  const auto killed = group.kill_master(seconds(10));
  ASSERT_FALSE(killed);
  EXPECT_TRUE(group.server(0).running()) << "a master the sentinels cannot replace is not killed";
  EXPECT_EQ(killed.failure.rfind("step 'every sentinel names server 0, knows the other sentinels "
                                 "and server 1 as a replica whose link is up",
                                 0),
            0u)
      << killed.failure;
  const std::string replica = "replica port=" + std::to_string(group.server(1).port());
  EXPECT_NE(killed.failure.find(replica + " flags=s_down,slave"), std::string::npos)
      << killed.failure;
  EXPECT_NE(killed.failure.find("server 1 (port " + std::to_string(group.server(1).port()) +
                                "): not running"),
            std::string::npos)
      << killed.failure;
  EXPECT_NE(killed.failure.find("--- last 40 lines of sentinel 2's log:"), std::string::npos)
      << killed.failure;
  EXPECT_NE(killed.failure.find("+sdown slave"), std::string::npos) << killed.failure;
}

}  // namespace
}  // namespace tixsync::testing
