// Fault tests of whole nodes: a fleet of `tixsync run` processes sharing a real Redis syncs
// synthetic orders into `tixsync mock-crm` while a node is SIGKILLed or SIGTERMed, Redis crashes
// and restarts, or an order is poison. Every order ends synced exactly once (no duplicate CRM
// objects) or parked with a truthful cause; the audit logs show who ended each attempt and when.
#include "tests/fault/fleet.hpp"

#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <set>
#include <thread>

#include "tests/fault/fleet_checks.hpp"
#include "tests/support/command.hpp"

namespace tixsync::testing {
namespace {

using nlohmann::json;
using std::chrono::seconds;

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// Polls (bounded) until node `name` holds leases; the orders it holds.
std::vector<std::string> wait_for_leases_of(fleet& f, const std::string& name) {
  std::vector<std::string> held;
  for (int i = 0; i < 100 && held.empty(); ++i) {
    held = f.in_flight_on(name);
    if (held.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return held;
}

std::string first_lines(const std::vector<std::string>& problems) {
  std::string out;
  for (std::size_t i = 0; i < problems.size() && i < 10; ++i) out += problems[i] + "\n";
  return out;
}

// The size: 3 nodes, 5,000 orders, one node SIGKILLed in the middle.
TEST(fault_fleet, a_node_killed_with_sigkill_loses_nothing_and_its_leases_are_taken_over) {
  const int n = orders_or(5000);
  fleet_options o;
  o.mock_args = {"--latency-ms", "5"};
  o.lease = "2s";
  fleet f(o);
  ASSERT_GT(f.crm().port(), 0);
  f.start_node("a", f.write_orders("orders.jsonl", synthetic_orders(n)));
  f.start_node("b");
  f.start_node("c");
  ASSERT_TRUE(f.wait_until_created(static_cast<std::uint64_t>(3 * n / 2), seconds(180)))
      << f.node("a").log();
  const auto held = wait_for_leases_of(f, "b");
  f.node("b").signal(SIGKILL);
  ASSERT_EQ(f.node("b").wait_exit(seconds(10)), -1);
  // Reaped: b writes nothing more (a command already on its way to Redis may still land, so a
  // little slack).
  const std::int64_t killed_at = now_ms() + 500;
  ASSERT_TRUE(f.wait_until_finished(seconds(180))) << json(f.queue().states).dump();
  expect_queue_empty(f);
  expect_exactly_once(f, n);
  EXPECT_TRUE(f.node("a").running() && f.node("c").running());

  // From the audit logs: every attempt of b ended before its death or its lease expired within
  // the lease time (2 s after its last renewal, plus 5 s for a claim to sweep it), and another
  // node synced the order afterwards.
  EXPECT_FALSE(held.empty()) << "b held no lease when it was killed";
  const auto logs = f.audits(synthetic_codes(n));
  const auto report = check_takeovers(logs, "b", killed_at, killed_at + 2000 + 5000);
  EXPECT_FALSE(report.taken_over.empty());
  EXPECT_TRUE(report.problems.empty()) << report.problems.size() << " problems, first:\n"
                                       << first_lines(report.problems);
  std::printf("b held %zu leases a moment before its death; %zu were taken over\n", held.size(),
              report.taken_over.size());
  // What b held a moment before the kill either ended by b or was taken over.
  for (const auto& code : held) {
    bool ended_by_b = false;
    for (const auto& e : logs.at(code)) {
      ended_by_b = ended_by_b || (e.value("what", "") == "synced" && e.value("node", "") == "b");
    }
    const bool taken = std::find(report.taken_over.begin(), report.taken_over.end(), code) !=
                       report.taken_over.end();
    EXPECT_TRUE(ended_by_b || taken) << code;
  }
  f.stop_nodes();
}

TEST(fault_fleet, sigterm_drains_a_busy_node_which_exits_zero_and_the_rest_finish_the_work) {
  const int n = orders_or(2000);
  fleet_options o;
  o.mock_args = {"--latency-ms", "5"};
  o.grace = "5s";
  fleet f(o);
  ASSERT_GT(f.crm().port(), 0);
  f.start_node("a", f.write_orders("orders.jsonl", synthetic_orders(n)));
  f.start_node("b");
  ASSERT_TRUE(f.wait_until_created(static_cast<std::uint64_t>(3 * n / 2), seconds(120)));
  EXPECT_FALSE(wait_for_leases_of(f, "a").empty()) << "a was not busy";
  const std::int64_t signalled_at = now_ms();
  f.node("a").signal(SIGTERM);
  EXPECT_EQ(f.node("a").wait_exit(seconds(60)), 0) << f.node("a").log();
  ASSERT_TRUE(f.wait_until_finished(seconds(180))) << json(f.queue().states).dump();
  expect_queue_empty(f);
  expect_exactly_once(f, n);
  EXPECT_TRUE(f.node("b").running());
  // From the audit logs: every attempt of a that was running at SIGTERM ended by a itself
  // (synced, or its lease given back) within the 5 s grace period (plus 2 s for the stop),
  // never by its lease running out.
  const auto report =
      check_drain(f.audits(synthetic_codes(n)), "a", signalled_at, signalled_at + 5000 + 2000);
  EXPECT_GT(report.ended, 0);
  EXPECT_TRUE(report.problems.empty()) << report.problems.size() << " problems, first:\n"
                                       << first_lines(report.problems);
  f.stop_nodes();
}

// Redis is SIGKILLed (AOF, appendfsync always) and started again while nodes sync and a client
// keeps enqueuing: every enqueue it acknowledged is synced, the nodes reconnect by themselves.
TEST(fault_fleet, nodes_survive_a_redis_crash_and_no_acknowledged_enqueue_is_lost) {
  const int n = orders_or(2000);
  constexpr int batch = 20;
  constexpr int max_batches = 60;
  fleet_options o;
  o.mock_args = {"--latency-ms", "5"};
  fleet f(o);
  ASSERT_GT(f.crm().port(), 0);
  f.start_node("a", f.write_orders("first.jsonl", synthetic_orders(n)));
  f.start_node("b");
  ASSERT_TRUE(f.wait_until_created(static_cast<std::uint64_t>(3 * n / 2), seconds(120)));

  // A client enqueues batches of new orders (one `tixsync enqueue` each) before, during and
  // after the crash; it notes which batches were acknowledged (exit 0).
  std::vector<std::string> batch_files;
  for (int b = 0; b < max_batches; ++b) {
    batch_files.push_back(f.write_orders("batch" + std::to_string(b) + ".jsonl",
                                         synthetic_orders(batch, n + b * batch)));
  }
  std::mutex mutex;
  std::vector<int> acknowledged;
  std::atomic<int> attempted{0};
  std::atomic<bool> stop{false};
  std::thread client([&] {
    for (int b = 0; b < max_batches && !stop; ++b) {
      if (f.enqueue(batch_files[b])) {
        std::lock_guard<std::mutex> lock(mutex);
        acknowledged.push_back(b);
      }
      attempted = b + 1;
    }
  });
  const auto acked = [&] {
    std::lock_guard<std::mutex> lock(mutex);
    return acknowledged.size();
  };
  for (int i = 0; i < 400 && acked() < 3; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  f.redis().kill();
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  f.redis().start();
  const std::size_t before_restart = acked();
  for (int i = 0; i < 600 && acked() < before_restart + 3 && attempted < max_batches; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  stop = true;
  client.join();
  ASSERT_GT(acked(), before_restart) << "no enqueue was acknowledged after the restart";
  std::printf("%zu of %d batches acknowledged, %zu of them by the time Redis was back\n", acked(),
              attempted.load(), before_restart);

  ASSERT_TRUE(f.wait_until_finished(seconds(180))) << json(f.queue().states).dump();
  expect_queue_empty(f);
  EXPECT_TRUE(f.node("a").running() && f.node("b").running());
  // Every acknowledged order has its contact and tickets, once; a batch that failed may have
  // been enqueued in part, so the totals only say that nothing was created twice.
  const json dump = f.crm().dump();
  ASSERT_TRUE(dump.is_object());
  std::set<std::string> emails;
  for (const auto& c : dump["contact"]) emails.insert(c.value("email", ""));
  const auto contacts = count_objects(dump, "contact", "email");
  const auto tickets = count_objects(dump, "ticket", "ticket_id");
  EXPECT_EQ(contacts.distinct, contacts.objects) << "duplicate contacts";
  EXPECT_EQ(tickets.distinct, tickets.objects) << "duplicate tickets";
  EXPECT_EQ(tickets.objects, 2 * contacts.objects);
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

TEST(fault_fleet, a_poison_order_is_parked_and_the_node_keeps_serving_the_others) {
  const int n = orders_or(200) / 2;
  fleet f(fleet_options{});
  ASSERT_GT(f.crm().port(), 0);
  f.start_node("a", f.write_orders("orders.jsonl", synthetic_orders(n, 0, {3, n / 2})));
  ASSERT_TRUE(f.wait_until_finished(seconds(120))) << json(f.queue().states).dump();
  const auto q = f.queue();
  ASSERT_TRUE(q.ok);
  EXPECT_EQ(q.total, 2);
  EXPECT_EQ(q.states.count("config") ? q.states.at("config") : 0, 2) << json(q.states).dump();
  const auto causes = f.causes();
  ASSERT_EQ(causes.size(), 1u);
  EXPECT_EQ(causes.begin()->first.first, "config");
  EXPECT_EQ(causes.begin()->first.second, "config");
  EXPECT_EQ(causes.begin()->second, 2);
  // The parked items say what is wrong: the value map does not assign the locale.
  const auto page = run_command({TIXSYNC_BINARY, "jobs", "--redis", f.redis_url(), "--provider",
                                 "crm", "--state", "config", "--json"});
  const json items = json::parse(page.out, nullptr, false);
  ASSERT_TRUE(items.is_object()) << page.out << page.err;
  ASSERT_EQ(items["items"].size(), 2u) << page.out;
  for (const auto& item : items["items"]) {
    EXPECT_NE(item["errors"].dump().find("not assigned"), std::string::npos) << item.dump();
  }
  expect_exactly_once(f, n - 2);
  // Still serving: a later order is synced by the same node.
  ASSERT_TRUE(f.enqueue(f.write_orders("later.jsonl", synthetic_orders(1, n))));
  EXPECT_TRUE(f.wait_until_created(static_cast<std::uint64_t>(3 * (n - 1)), seconds(60)));
  EXPECT_TRUE(f.node("a").running());
  f.stop_nodes();
}

}  // namespace
}  // namespace tixsync::testing
