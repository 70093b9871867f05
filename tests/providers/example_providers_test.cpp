// The example providers driven directly (no actors) over hand-built evaluated objects that
// mirror pretix's datasync tests (orders 1AAA with two tickets, 2EEE with one): the first sync
// creates exactly pretix's expected records, a second sync updates, a re-sync duplicates
// nothing, and each order record links to its tickets.
#include "providers/example/example_providers.hpp"

#include <gtest/gtest.h>

#include "tests/providers/provider_test_support.hpp"
#include "tests/support/test_data.hpp"

namespace tixsync::providers::example {
namespace {

using testing::make_object;
using testing::make_order;
using testing::order_run;
using testing::result_store;
using testing::run_order;
using call = in_memory_database::call;

const char* const email_1aaa = "anonymous@xn--og8h.example.org";

mapping::evaluated_object simple_object(const provider& p, const std::string& code,
                                        const std::string& email, const std::string& status,
                                        const std::string& total, json payment_date) {
  return make_object(p.mappings()[0], std::nullopt, "DUMMY-" + code,
                     {{"orderemail", email, "overwrite"},
                      {"status", status, "overwrite"},
                      {"total", total, "overwrite"},
                      {"payment_date", std::move(payment_date), "overwrite"}});
}

/// pretix's expected_order_sync_result().
json expected_simple() {
  return json::parse(tixsync::testing::read_test_data("pretix-expected-simple.json"));
}

TEST(simple_order_sync, syncs_like_pretixs_simple_order_sync) {
  auto database = std::make_shared<in_memory_database>();
  simple_order_sync p(database);
  result_store store;
  auto o1 = make_order("1AAA");
  auto o2 = make_order("2EEE");
  order_run first =
      run_order(p, o1, {simple_object(p, "1AAA", email_1aaa, "pending", "46.00", nullptr)}, store);
  order_run second = run_order(
      p, o2, {simple_object(p, "2EEE", "ephemeral@example.com", "pending", "23.00", nullptr)},
      store);
  ASSERT_FALSE(first.error || second.error);
  EXPECT_EQ(database->dump(), expected_simple());
  EXPECT_EQ(first.actions, std::vector<std::string>{"create"});

  // 1AAA is paid; both orders are synced again.
  const std::string paydate = "2025-05-03T10:03:27.604311+00:00";
  order_run paid =
      run_order(p, o1, {simple_object(p, "1AAA", email_1aaa, "paid", "46.00", paydate)}, store);
  order_run same = run_order(
      p, o2, {simple_object(p, "2EEE", "ephemeral@example.com", "pending", "23.00", nullptr)},
      store);
  ASSERT_FALSE(paid.error || same.error);
  json expected = expected_simple();
  expected["ticketorders"][0]["status"] = "paid";
  expected["ticketorders"][0]["payment_date"] = paydate;
  EXPECT_EQ(database->dump(), expected);
  EXPECT_EQ(paid.actions, std::vector<std::string>{"update"});
  EXPECT_EQ(same.actions, std::vector<std::string>{"nothing_to_do"});
  EXPECT_EQ(database->calls(call::create), 2u);
  EXPECT_EQ(database->calls(call::update), 1u);

  const sync_result& stored = store.at({"1AAA", std::nullopt, 1});
  EXPECT_EQ(stored.id_value, "DUMMY-1AAA");
  EXPECT_EQ(stored.external_link_href,
            "https://external-system.example.com/backend/link/to/ticketorders/0/");
  EXPECT_EQ(stored.sync_info["object_type"], "ticketorders");
  EXPECT_EQ(stored.sync_info["identifier_field"], "ordernumber");
  EXPECT_EQ(stored.sync_info["my_result"]["_id"], 0);
}

/// The objects pretix's association test evaluates for order 1AAA: its tickets, then the order.
std::vector<mapping::evaluated_object> objects_1aaa(const provider& p,
                                                    const std::string& order_status) {
  const auto& tickets = p.mappings()[0];
  const auto& orders = p.mappings()[1];
  auto ticket = [&](std::int64_t position, const std::string& number, const std::string& first,
                    const std::string& last, const std::string& color, const std::string& food) {
    return make_object(tickets, position, number,
                       {{"amount", "23.00", "overwrite"},
                        {"firstname", first, "overwrite"},
                        {"lastname", last, "overwrite"},
                        {"status", order_status, "overwrite"},
                        {"fav_color", color, "overwrite"},
                        {"food", food, "overwrite"}});
  };
  auto order = [&](const std::string& code, const std::string& email) {
    return make_object(orders, std::nullopt, "DUMMY-" + code,
                       {{"orderemail", email, "overwrite"},
                        {"firstname", "", "overwrite"},
                        {"lastname", "", "overwrite"},
                        {"status", order_status, "overwrite"}});
  };
  return {ticket(101, "1AAA-1", "Alice", "Anonymous", "#3b1c4a", "VEGAN"),
          ticket(102, "1AAA-2", "Charlie", "de l'Exemple", "Red", "VEGETARIAN"),
          order("1AAA", email_1aaa)};
}

/// The same for order 2EEE, which stays pending.
std::vector<mapping::evaluated_object> objects_2eee(const provider& p) {
  return {make_object(p.mappings()[0], 201, "2EEE-1",
                      {{"amount", "23.00", "overwrite"},
                       {"firstname", "Eve", "overwrite"},
                       {"lastname", "Ephemeral", "overwrite"},
                       {"status", "pending", "overwrite"},
                       {"fav_color", "", "overwrite"},
                       {"food", "", "overwrite"}}),
          make_object(p.mappings()[1], std::nullopt, "DUMMY-2EEE",
                      {{"orderemail", "ephemeral@example.com", "overwrite"},
                       {"firstname", "", "overwrite"},
                       {"lastname", "", "overwrite"},
                       {"status", "pending", "overwrite"}})};
}

/// pretix's expected_sync_result_with_associations().
json expected_association() {
  return json::parse(tixsync::testing::read_test_data("pretix-expected-association.json"));
}

struct association_fixture : ::testing::Test {
  std::shared_ptr<in_memory_database> database = std::make_shared<in_memory_database>();
  order_and_ticket_sync p{database};
  result_store store;
  std::shared_ptr<const mapping::order> o1 = make_order("1AAA", {101, 102});
  std::shared_ptr<const mapping::order> o2 = make_order("2EEE", {201});

  void sync_both(const std::string& status_1aaa) {
    order_run a = run_order(p, o1, objects_1aaa(p, status_1aaa), store);
    order_run b = run_order(p, o2, objects_2eee(p), store);
    ASSERT_FALSE(a.error) << a.error->summary();
    ASSERT_FALSE(b.error) << b.error->summary();
  }
};

TEST_F(association_fixture, links_each_order_to_its_tickets_like_pretix) {
  sync_both("pending");
  EXPECT_EQ(database->dump(), expected_association());
  const sync_result& order_result = store.at({"1AAA", std::nullopt, 2});
  EXPECT_EQ(order_result.sync_info["my_result"]["links"],
            json({"link:tickets:0", "link:tickets:1"}));
  EXPECT_EQ(store.at({"1AAA", 102, 1}).position_id, 102);
}

TEST_F(association_fixture, a_second_sync_updates_and_a_resync_duplicates_nothing) {
  sync_both("pending");
  sync_both("paid");
  json expected = expected_association();
  expected["tickets"][0]["status"] = "paid";
  expected["tickets"][1]["status"] = "paid";
  expected["ticketorders"][0]["status"] = "paid";
  EXPECT_EQ(database->dump(), expected);
  EXPECT_EQ(database->calls(call::create), 5u);
  EXPECT_EQ(database->calls(call::update), 3u);  // 2EEE was unchanged: nothing_to_do
  sync_both("paid");
  EXPECT_EQ(database->dump(), expected);
  EXPECT_EQ(database->calls(call::create), 5u);
  EXPECT_EQ(database->calls(call::update), 3u);
}

TEST_F(association_fixture, a_failing_external_system_fails_the_order_and_a_retry_heals_it) {
  database->fail_next_calls(
      1, make_sync_error(sync_error_kind::recoverable, "Service unavailable", "", "http-503"));
  order_run failed = run_order(p, o1, objects_1aaa(p, "pending"), store);
  ASSERT_TRUE(failed.error.has_value());
  EXPECT_EQ(failed.error->kind, sync_error_kind::recoverable);
  EXPECT_EQ(failed.error->signature, "http-503");
  sync_both("pending");
  EXPECT_EQ(database->dump(), expected_association());
}

TEST_F(association_fixture, an_association_to_a_mapping_that_has_not_run_is_a_config_error) {
  mapping::mapping_definition orders = p.mappings()[1];
  orders.associations = {{9}};
  order_and_ticket_sync broken(database, {orders});
  order_run run = run_order(broken, o1, {objects_1aaa(p, "pending")[2]}, store);
  ASSERT_TRUE(run.error.has_value());
  EXPECT_EQ(run.error->kind, sync_error_kind::config);
}

TEST_F(association_fixture, after_close_requests_complete_with_a_shutdown_error) {
  p.close();
  order_run run = run_order(p, o2, objects_2eee(p), store);
  ASSERT_TRUE(run.error.has_value());
  EXPECT_EQ(run.error->signature, "shutdown");
  EXPECT_EQ(database->dump(), json::object());
}

}  // namespace
}  // namespace tixsync::providers::example
