// Fault tests of a failing external system: the mock CRM answers 20% of requests 503, sends
// bursts of 429 with Retry-After and goes down for 30 s while two nodes sync. Every order ends
// synced or parked with a truthful cause, the circuit breakers keep the requests during the
// outage within what their probes allow, and the audit logs count attempts correctly. A CRM that
// comes back refusing every order (422) closes the circuit with its first answer.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <set>
#include <thread>

#include "tests/fault/fleet.hpp"
#include "tests/fault/fleet_checks.hpp"
#include "tests/support/eventually.hpp"

namespace tixsync::testing {
namespace {

using nlohmann::json;
using std::chrono::seconds;

std::string first_lines(const std::vector<std::string>& problems) {
  std::string out;
  for (std::size_t i = 0; i < problems.size() && i < 10; ++i) out += problems[i] + "\n";
  return out;
}

TEST(fault_failing_crm, rate_limited_answers_alone_never_use_up_attempts) {
  const int n = orders_or(200) / 2;
  fleet_options o;
  o.mock_args = {"--latency-ms", "2", "--rate-limit-rate", "0.3", "--retry-after", "1"};
  o.max_attempts = 1;  // one recoverable failure would park an order as exceeded
  fleet f(o);
  ASSERT_GT(f.crm().port(), 0);
  f.start_node("a", f.write_orders("orders.jsonl", synthetic_orders(n)));
  f.start_node("b");
  ASSERT_TRUE(f.wait_until_finished(seconds(180))) << json(f.queue().states).dump();
  EXPECT_GT(mock_faults(f.crm().stats(), "rate_limit"), 0u) << f.crm().stats().dump();
  expect_queue_empty(f);
  EXPECT_TRUE(f.causes().empty());
  expect_exactly_once(f, n);
  const auto attempts = check_attempts(f.audits(synthetic_codes(n)), 1, 1000);
  EXPECT_GT(attempts.deferred, 0);
  EXPECT_EQ(attempts.counted, 0);
  EXPECT_TRUE(attempts.problems.empty()) << first_lines(attempts.problems);
  f.stop_nodes();
}

// The faults: 20% 503s throughout, two bursts of 429 with Retry-After, a 30 s outage.
TEST(fault_failing_crm, a_failing_crm_and_an_outage_end_in_synced_or_truthfully_parked_orders) {
  const int n = orders_or(2000);
  constexpr int nodes = 2;
  constexpr int outage_seconds = 30;
  fleet_options o;
  o.mock_args = {"--latency-ms", "5", "--fail-rate", "0.2", "--retry-after", "2", "--seed", "7"};
  o.max_attempts = 8;
  o.failure_threshold = 10;
  o.cooldown = "1s";
  o.max_cooldown = "2s";
  fleet f(o);
  ASSERT_GT(f.crm().port(), 0);
  f.start_node("a", f.write_orders("orders.jsonl", synthetic_orders(n)));
  f.start_node("b");
  const auto burst_of_429 = [&] {
    ASSERT_EQ(f.crm().set_faults({{"rate_limit_rate", 0.8}}), 200);
    std::this_thread::sleep_for(seconds(2));
    ASSERT_EQ(f.crm().set_faults({{"rate_limit_rate", 0.0}}), 200);
  };
  ASSERT_TRUE(f.wait_until_created(static_cast<std::uint64_t>(3 * n / 5), seconds(120)));
  burst_of_429();
  ASSERT_TRUE(f.wait_until_created(static_cast<std::uint64_t>(3 * n / 4), seconds(120)));

  // The outage: every request is answered 503 at once; the mock counts them.
  const auto before = f.crm().stats();
  ASSERT_EQ(f.crm().set_faults({{"outage_seconds", outage_seconds}}), 200);
  std::this_thread::sleep_for(seconds(outage_seconds + 1));
  const auto after = f.crm().stats();
  const auto during_outage = mock_faults(after, "outage") - mock_faults(before, "outage");
  burst_of_429();
  ASSERT_TRUE(f.wait_until_finished(seconds(180))) << json(f.queue().states).dump();

  // The circuit breakers kept the failing system from being hammered. What they allow per node:
  // the calls admitted before `failure_threshold` failures opened the circuit (at most that
  // many plus the 16 in flight), then one probe per cooldown (1 s at the least).
  const std::uint64_t allowed = nodes * (o.failure_threshold + 16 + outage_seconds / 1 + 1);
  EXPECT_GT(during_outage, 0u);
  EXPECT_LE(during_outage, allowed) << "requests during the " << outage_seconds << " s outage";
  // The work went on before and after: progress was made while the CRM was healthy.
  EXPECT_GT(mock_requests(before), 0u);

  // Every order is synced or parked as exceeded after recoverable failures (503); nothing else.
  const auto q = f.queue();
  ASSERT_TRUE(q.ok);
  EXPECT_EQ(q.total, q.parked()) << json(q.states).dump();
  long parked = 0;
  for (const auto& [group, count] : f.causes()) {
    EXPECT_EQ(group.first, "exceeded") << group.second;
    EXPECT_NE(group.second.find("503"), std::string::npos) << group.second;
    parked += count;
  }
  EXPECT_EQ(parked, q.total);
  const auto parked_codes = f.codes_in("exceeded");
  EXPECT_EQ(static_cast<long>(parked_codes.size()), std::min(parked, 1000L));
  // Each parked order had max_attempts failed attempts, each answered with at least one 503.
  const auto answered_503 = mock_faults(f.crm().stats(), "fail") + mock_faults(after, "outage");
  EXPECT_LE(static_cast<std::uint64_t>(parked * o.max_attempts), answered_503);

  // Orders not parked were synced completely; nothing was created twice.
  const json dump = f.crm().dump();
  ASSERT_TRUE(dump.is_object());
  std::set<std::string> emails;
  for (const auto& c : dump["contact"]) emails.insert(c.value("email", ""));
  const auto contacts = count_objects(dump, "contact", "email");
  const auto tickets = count_objects(dump, "ticket", "ticket_id");
  EXPECT_EQ(contacts.distinct, contacts.objects) << "duplicate contacts";
  EXPECT_EQ(tickets.distinct, tickets.objects) << "duplicate tickets";
  const std::set<std::string> parked_set(parked_codes.begin(), parked_codes.end());
  for (int i = 0; i < n; ++i) {
    if (parked_set.count(synthetic_code(i))) continue;
    EXPECT_TRUE(emails.count("buyer" + std::to_string(i) + "@example.org")) << synthetic_code(i);
  }
  EXPECT_GE(tickets.objects, static_cast<std::size_t>(2 * (n - parked)));

  // Attempts: from the audit logs, a 503 used one attempt, a 429 or an open circuit none (and
  // the 429's Retry-After of 2 s was honoured), and exceeded means max_attempts failures.
  const auto attempts = check_attempts(f.audits(synthetic_codes(n)), o.max_attempts, 2000);
  EXPECT_GT(attempts.counted, 0);
  EXPECT_GT(attempts.deferred, 0);
  EXPECT_EQ(attempts.exceeded, parked);
  EXPECT_TRUE(attempts.problems.empty()) << attempts.problems.size() << " problems, first:\n"
                                         << first_lines(attempts.problems);
  std::printf(
      "outage: %llu requests in %d s (allowed %llu); parked %ld of %d; retries counted "
      "%ld, deferred %ld\n",
      static_cast<unsigned long long>(during_outage), outage_seconds,
      static_cast<unsigned long long>(allowed), parked, n, attempts.counted, attempts.deferred);
  // The parked items say so themselves.
  const auto page = f.jobs({"--state", "exceeded", "--limit", "1000"});
  ASSERT_TRUE(page.is_object());
  for (const auto& item : page["items"]) {
    EXPECT_EQ(item.value("attempts", 0), o.max_attempts) << item.dump();
  }
  f.stop_nodes();
}

// After an outage the CRM answers 422 to everything, in milliseconds. The probe's 422 proves it
// is reachable: the circuit closes and every order is sent and parked with its own 422, none
// deferred until its deferrals run out (`exceeded`) without having been sent.
TEST(fault_failing_crm, a_crm_back_from_an_outage_refusing_every_order_gets_every_order) {
  constexpr int n = 20;
  fleet_options o;
  o.mock_args = {"--latency-ms", "2"};
  o.failure_threshold = 3;
  o.cooldown = "3s";
  o.max_cooldown = "3s";
  o.max_attempts = 4;
  o.max_rate_limit_deferrals = 2;
  fleet f(o);
  ASSERT_GT(f.crm().port(), 0);
  ASSERT_EQ(f.crm().set_faults({{"outage_seconds", 600}}), 200);
  auto& node = f.start_node("a", f.write_orders("orders.jsonl", synthetic_orders(n)));
  ASSERT_TRUE(eventually(
      [&] { return node.log().find("circuit of provider crm opened") != std::string::npos; },
      std::chrono::seconds(60), std::chrono::milliseconds(20)))
      << node.log();
  // Back within the cooldown, refusing every request.
  ASSERT_EQ(f.crm().set_faults({{"outage_seconds", 0}, {"reject_rate", 1.0}}), 200);
  const auto rejected = [&] { return mock_faults(f.crm().stats(), "reject"); };
  // Every order reaches the CRM after the cooldown: 3 s here, 30 s bound.
  EXPECT_TRUE(eventually([&] { return rejected() >= static_cast<std::uint64_t>(n); },
                         std::chrono::seconds(30), std::chrono::milliseconds(100)))
      << rejected() << " requests answered 422; " << node.log();
  ASSERT_TRUE(f.wait_until_finished(seconds(60))) << json(f.queue().states).dump();
  const auto q = f.queue();
  EXPECT_EQ(q.states.count("permanent") ? q.states.at("permanent") : 0, n)
      << json(q.states).dump();
  for (const auto& [group, count] : f.causes()) {
    EXPECT_EQ(group.first, "permanent") << group.second << ": " << count;
    EXPECT_NE(group.second.find("422"), std::string::npos) << group.second;
  }
  EXPECT_NE(node.log().find("closed: the probe call was answered (http-422)"), std::string::npos)
      << node.log();
  f.stop_nodes();
}

}  // namespace
}  // namespace tixsync::testing
