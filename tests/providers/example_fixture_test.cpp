// The example providers over the real mapping engine: the shared fixture orders are read and
// evaluated with each provider's mappings and evaluation options, then synced into the
// in-memory database, twice.
#include <gtest/gtest.h>

#include "mapping/evaluate.hpp"
#include "mapping/order_reader.hpp"
#include "providers/example/example_providers.hpp"
#include "tests/providers/provider_test_support.hpp"
#include "tests/support/test_data.hpp"

namespace tixsync::providers::example {
namespace {

struct fixture_orders : ::testing::Test {
  void SetUp() override {
    mapping::order_reader reader;
    mapping::read_error error;
    auto bundle = std::make_shared<mapping::event_bundle>();
    ASSERT_TRUE(
        reader.read_event_bundle(tixsync::testing::read_test_data("event.json"), *bundle, error))
        << error.to_string();
    event = bundle;
    for (const auto& line : tixsync::testing::read_test_data_lines("orders.jsonl")) {
      auto order = std::make_shared<mapping::order>();
      ASSERT_TRUE(reader.read_order(line, *order, error)) << error.to_string();
      orders.push_back(order);
    }
    catalogue = std::make_unique<mapping::field_catalogue>(*event);
  }

  /// Evaluates and syncs every order; returns the number of objects synced.
  std::size_t sync_all(provider& p) {
    std::size_t synced = 0;
    for (const auto& order : orders) {
      auto objects = mapping::evaluate_order(p.mappings(), *order, *event, *catalogue, context,
                                             p.evaluation_options());
      testing::order_run run = testing::run_order(p, order, objects, store);
      EXPECT_FALSE(run.error.has_value()) << order->code << ": " << run.error->summary();
      synced += run.actions.size();
    }
    return synced;
  }

  std::shared_ptr<const mapping::event_bundle> event;
  std::vector<std::shared_ptr<const mapping::order>> orders;
  std::unique_ptr<mapping::field_catalogue> catalogue;
  mapping::evaluation_context context;
  testing::result_store store;
};

TEST_F(fixture_orders, simple_order_sync_creates_one_record_per_order_once) {
  std::vector<mapping::mapping_problem> problems;
  const auto mappings = simple_order_sync::default_mappings();
  mapping::validate_mappings(mappings, *catalogue, problems);
  ASSERT_TRUE(problems.empty()) << problems[0].to_string();

  auto db = std::make_shared<in_memory_database>();
  simple_order_sync p(db);
  EXPECT_EQ(sync_all(p), orders.size());
  const json records = db->records("ticketorders");
  ASSERT_EQ(records.size(), orders.size());
  EXPECT_EQ(records[0]["ordernumber"], "NDD25-" + orders[0]->code);
  EXPECT_EQ(sync_all(p), orders.size());  // everything again: nothing_to_do, no duplicates
  EXPECT_EQ(db->records("ticketorders").size(), orders.size());
  EXPECT_EQ(db->calls(in_memory_database::call::update), 0u);
}

TEST_F(fixture_orders, configured_mappings_link_each_ticket_to_its_order) {
  std::vector<mapping::mapping_problem> problems;
  const auto document = json::parse(tixsync::testing::read_test_data("mappings-example.json"));
  auto mappings = mapping::parse_mappings(document, problems);
  mapping::validate_mappings(mappings, *catalogue, problems);
  ASSERT_TRUE(problems.empty()) << problems[0].to_string();

  auto db = std::make_shared<in_memory_database>();
  order_and_ticket_sync p(db, mappings);
  sync_all(p);
  const json orders_out = db->records("ticketorders");
  const json tickets = db->records("tickets");
  std::size_t positions = 0;
  for (const auto& order : orders) positions += order->positions.size();
  ASSERT_EQ(orders_out.size(), orders.size());
  ASSERT_EQ(tickets.size(), positions);
  for (const auto& ticket : tickets) {
    // "<order code>-<positionid>" belongs to the order record with that code.
    const std::string number = ticket["ticketnumber"];
    const std::string code = number.substr(0, number.find('-'));
    std::size_t order_id = 0;
    while (order_id < orders_out.size() && orders_out[order_id]["ordernumber"] != "NDD25-" + code)
      ++order_id;
    EXPECT_EQ(ticket["links"], json({"link:ticketorders:" + std::to_string(order_id)})) << number;
  }
}

}  // namespace
}  // namespace tixsync::providers::example
