// Fault tests of whole nodes: a fleet of `tixsync run` processes sharing a real Redis syncs
// synthetic orders into `tixsync mock-crm` while a node is SIGKILLed or SIGTERMed, Redis
// restarts, the CRM answers 503/429 or has an outage, or an order is poison. Every order ends
// synced exactly once (no duplicate CRM objects) or parked with a truthful cause.
#include "tests/fault/fleet.hpp"

#include <signal.h>

#include <cstdlib>
#include <thread>

#include <gtest/gtest.h>

#include "tests/support/command.hpp"

namespace tixsync::testing {
namespace {

using nlohmann::json;
using std::chrono::seconds;

/// Orders per test: TIXSYNC_FAULT_ORDERS overrides the default (kept small for a 2-core CI).
int orders_or(int fallback) {
  const char* v = std::getenv("TIXSYNC_FAULT_ORDERS");
  return v && std::atoi(v) > 0 ? std::atoi(v) : fallback;
}

std::uint64_t created(const json& stats) { return stats.value("created", std::uint64_t{0}); }
std::uint64_t requests(const json& stats) {
  return stats.is_object() ? stats["requests"].value("total", std::uint64_t{0}) : 0;
}

/// Every order's contact and both tickets exist once, and nothing else was created.
void expect_exactly_once(fleet& f, int orders) {
  const json dump = f.crm().dump();
  ASSERT_TRUE(dump.is_object());
  const auto contacts = count_objects(dump, "contact", "email");
  const auto tickets = count_objects(dump, "ticket", "ticket_id");
  EXPECT_EQ(contacts.objects, static_cast<std::size_t>(orders));
  EXPECT_EQ(contacts.distinct, contacts.objects) << "duplicate contacts";
  EXPECT_EQ(tickets.objects, static_cast<std::size_t>(2 * orders));
  EXPECT_EQ(tickets.distinct, tickets.objects) << "duplicate tickets";
  EXPECT_EQ(created(f.crm().stats()), static_cast<std::uint64_t>(3 * orders));
}

/// The items of one state, as `jobs --json` prints them (for failure messages).
std::string items_of(fleet& f, const std::string& state) {
  return run_command({TIXSYNC_BINARY, "jobs", "--redis", f.redis_url(), "--provider", "crm",
                      "--state", state, "--limit", "20", "--json"})
      .out;
}

void expect_queue_empty(fleet& f) {
  const auto q = f.queue();
  ASSERT_TRUE(q.ok);
  std::string parked;
  for (const auto& [state, count] : q.states) {
    if (count > 0) parked += items_of(f, state);
  }
  EXPECT_EQ(q.total, 0) << json(q.states).dump() << "\n" << parked;
}

TEST(fault_fleet, a_node_killed_with_sigkill_loses_nothing_and_its_leases_are_taken_over) {
  const int n = orders_or(1000);
  fleet_options o;
  o.mock_args = {"--latency-ms", "5"};
  fleet f(o);
  ASSERT_GT(f.crm().port(), 0);
  const auto orders = f.write_orders("orders.jsonl", synthetic_orders(n));
  f.start_node("a", orders);
  f.start_node("b");
  f.start_node("c");
  ASSERT_TRUE(f.wait_until_created(static_cast<std::uint64_t>(3 * n / 5), seconds(120)))
      << f.node("a").log();
  // Kill b while it holds leases (bounded wait until it holds some).
  std::vector<std::string> held;
  for (int i = 0; i < 50 && held.empty(); ++i) held = f.in_flight_on("b");
  f.node("b").signal(SIGKILL);
  EXPECT_EQ(f.node("b").wait_exit(seconds(10)), -1);
  ASSERT_TRUE(f.wait_until_finished(seconds(180))) << json(f.queue().states).dump();
  expect_queue_empty(f);
  expect_exactly_once(f, n);
  // The orders b held when it died were synced by the others.
  EXPECT_FALSE(held.empty()) << "b held no lease when it was killed";
  const json dump = f.crm().dump();
  for (const auto& code : held) {
    const int index = std::atoi(code.c_str() + 1);
    bool found = false;
    for (const auto& c : dump["contact"]) {
      found = found || c.value("email", "") == "buyer" + std::to_string(index) + "@example.org";
    }
    EXPECT_TRUE(found) << code;
  }
  f.stop_nodes();
}

TEST(fault_fleet, sigterm_drains_a_busy_node_which_exits_zero_and_the_rest_finish_the_work) {
  const int n = orders_or(600);
  fleet_options o;
  o.mock_args = {"--latency-ms", "5"};
  o.grace = "5s";
  fleet f(o);
  ASSERT_GT(f.crm().port(), 0);
  f.start_node("a", f.write_orders("orders.jsonl", synthetic_orders(n)));
  f.start_node("b");
  ASSERT_TRUE(f.wait_until_created(static_cast<std::uint64_t>(3 * n / 5), seconds(120)));
  f.node("a").signal(SIGTERM);
  EXPECT_EQ(f.node("a").wait_exit(seconds(60)), 0) << f.node("a").log();
  ASSERT_TRUE(f.wait_until_finished(seconds(180))) << json(f.queue().states).dump();
  expect_queue_empty(f);
  expect_exactly_once(f, n);
  f.stop_nodes();
}

TEST(fault_fleet, nodes_survive_a_redis_restart_and_no_acknowledged_enqueue_is_lost) {
  const int n = orders_or(600);
  fleet_options o;
  o.mock_args = {"--latency-ms", "5"};
  fleet f(o);
  ASSERT_GT(f.crm().port(), 0);
  f.start_node("a", f.write_orders("first.jsonl", synthetic_orders(n)));
  f.start_node("b");
  ASSERT_TRUE(f.wait_until_created(static_cast<std::uint64_t>(3 * n / 5), seconds(120)));
  // Acknowledged just before the restart: must survive it (AOF, appendfsync always).
  ASSERT_TRUE(f.enqueue(f.write_orders("second.jsonl", synthetic_orders(100, n))));
  f.redis().restart();
  // And just after it (bounded retries while Redis comes back).
  const auto third = f.write_orders("third.jsonl", synthetic_orders(100, n + 100));
  bool enqueued = false;
  for (int i = 0; i < 20 && !enqueued; ++i) {
    enqueued = f.enqueue(third);
    if (!enqueued) std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  ASSERT_TRUE(enqueued);
  ASSERT_TRUE(f.wait_until_finished(seconds(180))) << json(f.queue().states).dump();
  expect_queue_empty(f);
  expect_exactly_once(f, n + 200);
  f.stop_nodes();
}

TEST(fault_fleet, rate_limited_answers_alone_never_use_up_attempts) {
  const int n = orders_or(200) / 2;
  fleet_options o;
  o.mock_args = {"--latency-ms", "2", "--rate-limit-rate", "0.3", "--retry-after", "1"};
  o.max_attempts = 1;  // one recoverable failure would park an order as exceeded
  fleet f(o);
  ASSERT_GT(f.crm().port(), 0);
  f.start_node("a", f.write_orders("orders.jsonl", synthetic_orders(n)));
  f.start_node("b");
  ASSERT_TRUE(f.wait_until_finished(seconds(180))) << json(f.queue().states).dump();
  const json stats = f.crm().stats();
  EXPECT_GT(stats["faults_injected"].value("rate_limit", 0), 0) << stats.dump();
  expect_queue_empty(f);
  EXPECT_TRUE(f.causes().empty());
  expect_exactly_once(f, n);
  f.stop_nodes();
}

TEST(fault_fleet, a_failing_crm_and_an_outage_end_in_synced_or_truthfully_parked_orders) {
  const int n = orders_or(600);
  fleet_options o;
  o.mock_args = {"--latency-ms", "5",           "--fail-rate", "0.2", "--rate-limit-rate",
                 "0.05",         "--retry-after", "1",          "--seed", "7"};
  o.max_attempts = 4;
  o.failure_threshold = 10;
  fleet f(o);
  ASSERT_GT(f.crm().port(), 0);
  f.start_node("a", f.write_orders("orders.jsonl", synthetic_orders(n)));
  f.start_node("b");
  ASSERT_TRUE(f.wait_until_created(static_cast<std::uint64_t>(n / 2), seconds(120)));
  // The request rate while the CRM works (a 3 s window), then an 8 s outage (the 30 s
  // shortened for CI).
  const auto before = requests(f.crm().stats());
  std::this_thread::sleep_for(seconds(3));
  const auto healthy_per_second = (requests(f.crm().stats()) - before) / 3;
  const auto outage_start = requests(f.crm().stats());
  ASSERT_EQ(f.crm().set_faults({{"outage_seconds", 8}}), 200);
  std::this_thread::sleep_for(seconds(8));
  const auto during_outage = requests(f.crm().stats()) - outage_start;
  ASSERT_TRUE(f.wait_until_finished(seconds(180))) << json(f.queue().states).dump();

  // The circuit breakers kept the failing system from being hammered.
  EXPECT_GT(healthy_per_second, 0u);
  EXPECT_LT(during_outage, healthy_per_second * 8 / 4)
      << "healthy " << healthy_per_second << "/s, during the 8 s outage " << during_outage;
  // Every order is synced or parked as exceeded after HTTP 503s; nothing else.
  const auto q = f.queue();
  ASSERT_TRUE(q.ok);
  EXPECT_EQ(q.total, q.parked());
  long parked = 0;
  for (const auto& [group, count] : f.causes()) {
    EXPECT_EQ(group.first, "exceeded") << group.second;
    EXPECT_NE(group.second.find("503"), std::string::npos) << group.second;
    parked += count;
  }
  EXPECT_EQ(parked, q.total);
  const json dump = f.crm().dump();
  const auto contacts = count_objects(dump, "contact", "email");
  const auto tickets = count_objects(dump, "ticket", "ticket_id");
  EXPECT_EQ(contacts.distinct, contacts.objects) << "duplicate contacts";
  EXPECT_EQ(tickets.distinct, tickets.objects) << "duplicate tickets";
  EXPECT_GE(contacts.objects, static_cast<std::size_t>(n - parked));
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
