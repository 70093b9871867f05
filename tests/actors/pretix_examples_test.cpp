// pretix's two documented example syncs end to end: a real Redis queue, a sync_node and the
// example providers over an in_memory_database. First sync of two orders, a second sync after
// 1AAA is paid, and re-enqueues that must not duplicate external objects.
#include <gtest/gtest.h>

#include <mutex>

#include "actors/node.hpp"
#include "mapping/mapping_definition.hpp"
#include "providers/example/example_providers.hpp"
#include "tests/actors/node_fixture.hpp"
#include "tests/actors/pretix_example_data.hpp"
#include "tests/support/test_data.hpp"

namespace tixsync::actors::testing {
namespace {

using providers::example::in_memory_database;
using call = in_memory_database::call;

class pretix_examples : public node_fixture {
 protected:
  /// Enqueues both example orders and waits until the node has synced them.
  void sync_both(const std::string& provider, bool paid) {
    enqueue(provider, "dummy", {{"1AAA", order_1aaa_json(paid)}, {"2EEE", order_2eee_json()}});
    ASSERT_TRUE(wait_until(
        [&] { return gone(provider, "dummy", "1AAA") && gone(provider, "dummy", "2EEE"); }));
  }
  /// A node syncing one order at a time, so the external ids come out as in pretix's tests.
  std::unique_ptr<sync_node> start_node(std::shared_ptr<providers::provider> p) {
    node_options o = options();
    o.concurrency = 1;
    auto node = std::make_unique<sync_node>(o, registry_of(std::move(p)));
    node->start();
    return node;
  }

  std::shared_ptr<in_memory_database> database = std::make_shared<in_memory_database>();
};

TEST_F(pretix_examples, simple_order_sync_first_and_second_sync) {
  put_event("dummy", example_event_json());
  auto node = start_node(std::make_shared<providers::example::simple_order_sync>(database));
  sync_both("example1", false);
  EXPECT_EQ(database->dump(), expected_simple_records());

  sync_both("example1", true);  // 1AAA was paid
  json expected = expected_simple_records();
  expected["ticketorders"][0]["status"] = "paid";
  expected["ticketorders"][0]["payment_date"] = paid_date();
  EXPECT_EQ(database->dump(), expected);
  EXPECT_EQ(database->calls(call::create), 2u);
  EXPECT_EQ(database->calls(call::update), 1u);

  auto stored = results("example1", "dummy", "1AAA");
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].id_value, "DUMMY-1AAA");
  EXPECT_EQ(stored[0].external_link_href,
            "https://external-system.example.com/backend/link/to/ticketorders/0/");
  EXPECT_EQ(stored[0].sync_info["action"], "update");
  const auto report = node->stop(std::chrono::seconds(5));
  EXPECT_EQ(report.given_back, 0u);
  EXPECT_EQ(node->stats().orders_synced, 4u);
}

TEST_F(pretix_examples, order_and_ticket_sync_links_orders_to_tickets_without_duplicates) {
  put_event("dummy", example_event_json());
  auto node = start_node(std::make_shared<providers::example::order_and_ticket_sync>(database));
  sync_both("example2", false);
  EXPECT_EQ(database->dump(), expected_association_records());

  sync_both("example2", true);
  json expected = expected_association_records();
  expected["tickets"][0]["status"] = "paid";
  expected["tickets"][1]["status"] = "paid";
  expected["ticketorders"][0]["status"] = "paid";
  EXPECT_EQ(database->dump(), expected);
  EXPECT_EQ(database->calls(call::create), 5u);
  EXPECT_EQ(database->calls(call::update), 3u);  // 2EEE unchanged: nothing_to_do

  sync_both("example2", true);  // re-enqueued: nothing new, nothing duplicated
  EXPECT_EQ(database->dump(), expected);
  EXPECT_EQ(database->calls(call::create), 5u);
  EXPECT_EQ(database->calls(call::update), 3u);

  auto stored = results("example2", "dummy", "1AAA");
  ASSERT_EQ(stored.size(), 3u);  // two tickets and the order
  EXPECT_EQ(stored[0].mapping_id, 1);
  EXPECT_EQ(stored[0].position_id, 101);
  EXPECT_EQ(stored[1].position_id, 102);
  EXPECT_EQ(stored[2].mapping_id, 2);
  EXPECT_EQ(stored[2].sync_info["my_result"]["links"], json({"link:tickets:0", "link:tickets:1"}));
  node->stop(std::chrono::seconds(5));
}

TEST_F(pretix_examples, many_orders_in_parallel_sync_once_each_and_resync_duplicates_nothing) {
  std::vector<mapping::mapping_problem> problems;
  auto mappings = mapping::parse_mappings(
      json::parse(tixsync::testing::read_test_data("mappings-example.json")), problems);
  ASSERT_TRUE(problems.empty());
  put_event("ndd25", tixsync::testing::read_test_data("event.json"));
  std::vector<std::pair<std::string, std::string>> orders;
  std::size_t positions = 0;
  for (const auto& line : tixsync::testing::read_test_data_lines("orders.jsonl")) {
    json o = json::parse(line);
    orders.emplace_back(o["code"], line);
    positions += o["positions"].size();
  }
  auto p = std::make_shared<providers::example::order_and_ticket_sync>(database, mappings);
  sync_node node(options(), registry_of(p));
  node.start();
  for (int round = 0; round < 2; ++round) {
    enqueue("example2", "ndd25", orders);
    ASSERT_TRUE(wait_until([&] {
      for (const auto& o : orders)
        if (!gone("example2", "ndd25", o.first)) return false;
      return true;
    }));
    EXPECT_EQ(database->records("ticketorders").size(), orders.size());
    EXPECT_EQ(database->records("tickets").size(), positions);
  }
  EXPECT_EQ(database->calls(call::create), orders.size() + positions);
  node.stop(std::chrono::seconds(5));  // the counters trail Redis until the node stopped
  EXPECT_EQ(node.stats().orders_synced, 2 * orders.size());
}

}  // namespace
}  // namespace tixsync::actors::testing

namespace tixsync::actors::testing {
namespace {

class synced_hook : public node_fixture {};

TEST_F(synced_hook, every_synced_order_reports_its_provider_and_enqueue_to_synced_latency) {
  put_event("dummy", example_event_json());
  std::mutex mutex;
  std::vector<std::pair<std::string, std::chrono::milliseconds>> reported;
  node_options o = options();
  o.on_order_synced = [&](const std::string& provider, std::chrono::milliseconds latency) {
    std::lock_guard<std::mutex> lock(mutex);
    reported.emplace_back(provider, latency);
  };
  auto database = std::make_shared<providers::example::in_memory_database>();
  sync_node node(o, registry_of(std::make_shared<providers::example::simple_order_sync>(database)));
  node.start();
  enqueue("example1", "dummy", {{"1AAA", order_1aaa_json(false)}, {"2EEE", order_2eee_json()}});
  ASSERT_TRUE(wait_until([&] {
    std::lock_guard<std::mutex> lock(mutex);
    return reported.size() >= 2;
  }));
  node.stop(std::chrono::seconds(5));
  std::lock_guard<std::mutex> lock(mutex);
  ASSERT_EQ(reported.size(), 2u);  // exactly once per synced order
  for (const auto& [provider, latency] : reported) {
    EXPECT_EQ(provider, "example1");
    EXPECT_GE(latency.count(), 0);
    EXPECT_LT(latency.count(), 60'000);  // a sanity bound on the clock arithmetic, not a timing
  }
  EXPECT_EQ(node.stats().orders_synced, 2u);
}

}  // namespace
}  // namespace tixsync::actors::testing
