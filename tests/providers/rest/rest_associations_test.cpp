// Associations between external objects, synced through whole orders (pretix's sync_order
// order of mappings, mapped objects filtered per position): order -> its tickets and ticket ->
// its order, as external ids and as links, joined or as native lists, skipping null results.
#include <gtest/gtest.h>

#include "providers/rest/associations.hpp"
#include "providers/rest/rest_provider.hpp"
#include "tests/providers/provider_test_support.hpp"
#include "tests/providers/rest/rest_test_support.hpp"

namespace tixsync::providers::rest {
namespace {

using providers::testing::make_object;
using providers::testing::order_run;
using providers::testing::result_store;
using providers::testing::run_order;
using testing::rest_fixture;

mapping::mapping_definition make(std::int64_t id, const std::string& model, const std::string& type,
                                 const std::string& id_field) {
  mapping::mapping_definition m;
  m.id = id;
  m.pretix_model = model;
  m.external_object_type = type;
  m.pretix_id_field = id_field;
  m.external_id_field = id_field;
  return m;
}

/// Mapping 1: positions -> Ticket; 2: the order -> Order (tickets, ticket_links); 3: positions ->
/// Attendee (order = mapping 2, ticket = mapping 1).
std::vector<mapping::mapping_definition> mappings() {
  return {make(1, "OrderPosition", "Ticket", "secret"), make(2, "Order", "Order", "code"),
          make(3, "OrderPosition", "Attendee", "secret")};
}

json object_table(const std::string& path) {
  return {{"lookup", {{"url", "/api/" + path + "?{id_field}={id_value}"}, {"results", "results"}}},
          {"create", {{"url", "/api/" + path}}},
          {"update", {{"url", "/api/" + path + "/{external_id}"}}},
          {"link", "https://crm.example.org/" + path + "/{external_id}"}};
}

json settings() {
  json s = {{"base_url", "http://crm.test"},
            {"auth", {{"type", "bearer"}, {"token_env", "CRM_TOKEN"}}},
            {"objects",
             {{"Ticket", object_table("ticket")},
              {"Order", object_table("order")},
              {"Attendee", object_table("attendee")}}}};
  s["objects"]["Order"]["associations"] = {{"tickets", {{"mapping", 1}}},
                                           {"ticket_links", {{"mapping", 1}, {"value", "link"}}}};
  s["objects"]["Attendee"]["associations"] = {{"order", 2}, {"ticket", 1}};
  return s;
}

/// The evaluated objects of order ABC12 with positions 11 and 12 (secrets s11, s12; `skip12`
/// gives position 12's ticket an empty id value, so it is skipped).
std::vector<mapping::evaluated_object> objects(const provider& p, bool skip12 = false) {
  const auto& m = p.mappings();
  return {make_object(m[0], 11, "s11", {}),
          make_object(m[0], 12, skip12 ? json("") : json("s12"), {}),
          make_object(m[1], std::nullopt, "ABC12", {{"email", "anna@example.org", "overwrite"}}),
          make_object(m[2], 11, "s11", {}), make_object(m[2], 12, "s12", {})};
}

/// Runs the order through the fixture's provider; returns the run.
order_run run(rest_fixture& f, bool skip12 = false) {
  result_store store;
  auto order = providers::testing::make_order("ABC12", {11, 12});
  return run_order(*f.provider, order, objects(*f.provider, skip12), store);
}

TEST(rest_associations, order_to_tickets_and_tickets_to_order_joined) {
  rest_fixture f(settings(), mappings(), std::string(","));
  const order_run r = run(f);
  ASSERT_FALSE(r.error) << r.error->summary();
  // The CRM script numbers objects across types: tickets 1, 2; order 3; attendees 4, 5.
  const json order = f.crm->find("order", "3");
  EXPECT_EQ(order["tickets"], "1,2");
  EXPECT_EQ(order["ticket_links"],
            "https://crm.example.org/ticket/1,https://crm.example.org/ticket/2");
  EXPECT_EQ(order["email"], "anna@example.org");
  // Each attendee sees the order and only its own position's ticket.
  EXPECT_EQ(f.crm->find("attendee", "4")["order"], "3");
  EXPECT_EQ(f.crm->find("attendee", "4")["ticket"], "1");
  EXPECT_EQ(f.crm->find("attendee", "5")["order"], "3");
  EXPECT_EQ(f.crm->find("attendee", "5")["ticket"], "2");

  // A second run changes nothing: every object is found and equal.
  const order_run again = run(f);
  ASSERT_FALSE(again.error);
  EXPECT_EQ(again.actions, std::vector<std::string>(5, "nothing_to_do"));
}

TEST(rest_associations, native_lists) {
  rest_fixture f(settings(), mappings(), std::nullopt);
  const order_run r = run(f);
  ASSERT_FALSE(r.error) << r.error->summary();
  const json order = f.crm->find("order", "3");
  EXPECT_EQ(order["tickets"], json({"1", "2"}));
  EXPECT_EQ(order["ticket_links"],
            json({"https://crm.example.org/ticket/1", "https://crm.example.org/ticket/2"}));
  EXPECT_EQ(f.crm->find("attendee", "5")["order"], json({"3"}));
  EXPECT_EQ(f.crm->find("attendee", "5")["ticket"], json({"2"}));
}

TEST(rest_associations, skipped_objects_are_left_out) {
  rest_fixture f(settings(), mappings(), std::string(","));
  const order_run r = run(f, true);
  ASSERT_FALSE(r.error) << r.error->summary();
  // Only one ticket exists (id 1); the order is 2, attendees 3 and 4.
  EXPECT_EQ(f.crm->find("order", "2")["tickets"], "1");
  EXPECT_EQ(f.crm->find("attendee", "4")["ticket"], "");  // position 12 has no ticket
  EXPECT_EQ(f.crm->find("attendee", "4")["order"], "2");
}

TEST(rest_associations, values_from_mapped_objects) {
  sync_result a;
  a.external_object_type = "Ticket";
  a.id_value = "s11";
  a.sync_info = {{"external_id", "17"}};
  a.external_link_href = "https://crm/t/17";
  sync_result b = a;
  b.sync_info = {{"external_id", "18"}};
  b.external_link_href = "https://crm/t/18";
  const mapped_objects mapped{{1, {a, std::nullopt, b}}};
  association_setting ids{"tickets", 1, false};
  association_setting links{"links", 1, true};
  EXPECT_EQ(association_value(ids, mapped, std::string(" | ")), "17 | 18");
  EXPECT_EQ(association_value(ids, mapped, std::nullopt), json({"17", "18"}));
  EXPECT_EQ(association_value(links, mapped, std::string(",")),
            "https://crm/t/17,https://crm/t/18");
  EXPECT_EQ(association_value(ids, {{1, {}}}, std::string(",")), "");
  EXPECT_EQ(association_value(ids, {{1, {}}}, std::nullopt), json::array());
  // A mapping that has not run, a result without an id: configuration errors.
  EXPECT_THROW(association_value(ids, {}, std::nullopt), sync_config_error);
  sync_result foreign = a;
  foreign.sync_info = json::object();
  foreign.external_link_href.reset();
  EXPECT_THROW(association_value(ids, {{1, {foreign}}}, std::nullopt), sync_config_error);
  EXPECT_THROW(association_value(links, {{1, {foreign}}}, std::nullopt), sync_config_error);
}

TEST(rest_associations, a_missing_earlier_mapping_fails_the_object_as_config) {
  rest_fixture f(settings(), mappings(), std::string(","));
  // The order object synced on its own, without the tickets' results.
  const auto done = f.sync(f.request("ABC12", {}, 2));
  ASSERT_FALSE(done.result.ok());
  EXPECT_EQ(done.result.error->kind, sync_error_kind::config);
  EXPECT_EQ(done.result.error->summary(),
            "Association \"ticket_links\": mapping 1 has not run before this object");
}

}  // namespace
}  // namespace tixsync::providers::rest
