// The REST provider's request templates over a scripted CRM: a flat config sends exactly the
// bytes it always sent, JSON body templates (properties, associations, search bodies by POST),
// header templates, response paths for found objects, existing values and error messages, a 409
// on create that becomes lookup and update, and the Idempotency-Key of creates.
#include <gtest/gtest.h>

#include "providers/rest/json_template.hpp"
#include "providers/rest/rest_provider.hpp"
#include "tests/providers/provider_test_support.hpp"
#include "tests/providers/rest/rest_test_support.hpp"

namespace tixsync::providers::rest {
namespace {

using testing::completed;
using testing::contact_mapping;
using testing::contact_settings;
using testing::respond;
using testing::rest_fixture;

/// A request as it goes on the wire: method, URL, every header in order, timeout and body.
std::string wire(const http::http_request& request) {
  std::string text = request.method + " " + request.url + "\n";
  if (request.common_headers) {
    for (const auto& [name, value] : *request.common_headers) text += name + ": " + value + "\n";
  }
  for (const auto& [name, value] : request.headers) text += name + ": " + value + "\n";
  if (request.timeout) text += "timeout: " + std::to_string(request.timeout->count()) + "ms\n";
  return text + "\n" + request.body;
}

TEST(rest_templates, a_flat_config_sends_the_same_bytes_as_before) {
  rest_fixture f;
  const std::vector<mapping::property_value> properties{
      {"name", "Anna", "overwrite"},
      {"tags", json::array({"a", "b"}), "overwrite"},
      {"lang", "de", "if_new"}};
  const completed created = f.sync(f.request("anna+tix@example.org", properties));
  ASSERT_TRUE(created.result.ok()) << created.result.error->summary();
  auto again = f.request("anna+tix@example.org", {{"name", "Anna B.", "overwrite"}});
  again.previous = testing::previous_result(contact_mapping(), "1");
  const completed updated = f.sync(std::move(again));
  ASSERT_TRUE(updated.result.ok()) << updated.result.error->summary();

  const auto requests = f.transport->requests();
  ASSERT_EQ(requests.size(), 4u);
  const std::string common =
      "Accept: application/json\nAuthorization: Bearer " + testing::crm_token + "\n";
  EXPECT_EQ(wire(requests[0]), "GET http://crm.test/api/contact?email=anna%2Btix%40example.org\n" +
                                   common + "timeout: 5000ms\n\n");
  EXPECT_EQ(wire(requests[1]),
            "POST http://crm.test/api/contact\n" + common +
                "Content-Type: application/json\ntimeout: 5000ms\n\n"
                R"({"email":"anna+tix@example.org","lang":"de","name":"Anna","tags":["a","b"]})");
  EXPECT_EQ(wire(requests[2]),
            "GET http://crm.test/api/contact/1\n" + common + "timeout: 5000ms\n\n");
  EXPECT_EQ(wire(requests[3]), "PATCH http://crm.test/api/contact/1\n" + common +
                                   "Content-Type: application/json\ntimeout: 5000ms\n\n"
                                   R"({"email":"anna+tix@example.org","name":"Anna B."})");
}

const std::vector<placeholder> body_placeholders{placeholder::id_value, placeholder::id_field,
                                                 placeholder::properties, placeholder::order_code};

json_template parse_ok(const json& node) {
  std::vector<template_problem> problems;
  json_template parsed = json_template::parse(node, body_placeholders, problems);
  EXPECT_TRUE(problems.empty()) << problems.front().where << ": " << problems.front().message;
  return parsed;
}

json sample_value(placeholder name) {
  switch (name) {
    case placeholder::properties:
      return {{"email", "anna@example.org"}, {"seats", 2}};
    case placeholder::id_value:
      return 42;
    case placeholder::id_field:
      return "ticket_id";
    default:
      return "K3ZPA";
  }
}

TEST(json_template, a_lone_placeholder_becomes_its_json_value_and_text_is_interpolated) {
  const json_template body = parse_ok(json::parse(R"({
      "properties": "{properties}", "id": "{id_value}",
      "filters": [{"propertyName": "{id_field}", "value": "{id_value}"}],
      "note": "order {order_code}, id {id_value}: {properties}",
      "{id_field}": "keys are literal", "braces": "{{literal}}", "limit": 1, "flag": true})"));
  EXPECT_EQ(body.expand(sample_value), json::parse(R"({
      "properties": {"email": "anna@example.org", "seats": 2}, "id": 42,
      "filters": [{"propertyName": "ticket_id", "value": 42}],
      "note": "order K3ZPA, id 42: {\"email\":\"anna@example.org\",\"seats\":2}",
      "{id_field}": "keys are literal", "braces": "{literal}", "limit": 1, "flag": true})"));
  EXPECT_TRUE(body.uses(placeholder::properties));
  EXPECT_FALSE(body.uses(placeholder::associations));
}

TEST(json_template, a_string_holds_the_template_as_json_text) {
  const json_template body = parse_ok(R"(["{properties}", "{order_code}"])");
  EXPECT_EQ(body.expand(sample_value),
            json::parse(R"([{"email": "anna@example.org", "seats": 2}, "K3ZPA"])"));
}

TEST(json_template, reports_each_problem_where_it_is) {
  std::vector<template_problem> problems;
  json_template::parse(json::parse(R"({"a": [{"b": "{nope}"}], "c": "{external_id}",
                                       "d": "x {order_code"})"),
                       body_placeholders, problems);
  ASSERT_EQ(problems.size(), 3u);
  EXPECT_EQ(problems[0].where, ".a[0].b");
  EXPECT_EQ(problems[0].message, "unknown placeholder {nope}");
  EXPECT_EQ(problems[1].where, ".c");
  EXPECT_EQ(problems[1].message, "placeholder {external_id} cannot be used here");
  EXPECT_EQ(problems[2].where, ".d");
  EXPECT_EQ(problems[2].message.rfind("unclosed \"{\"", 0), 0u) << problems[2].message;

  problems.clear();
  json_template::parse(R"({"properties": "{properties}",)", body_placeholders, problems);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].where, "");
  EXPECT_EQ(problems[0].message.rfind("not valid JSON: ", 0), 0u) << problems[0].message;

  problems.clear();
  json_template::parse(json(5), body_placeholders, problems);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].message, "expected a table, a list or a string of JSON, got number");
}

/// "key.path: message" of every problem of these settings for mappings 1 (Order -> Contact)
/// and 2 (OrderPosition -> Ticket).
std::vector<std::string> problems_of(const json& settings) {
  mapping::mapping_definition ticket = contact_mapping();
  ticket.id = 2;
  ticket.pretix_model = "OrderPosition";
  ticket.external_object_type = "Ticket";
  ticket.external_id_field = ticket.pretix_id_field = "ticket_id";
  settings_problems problems;
  read_rest_settings(settings, "providers[0].rest", {contact_mapping(), ticket},
                     testing::fake_env({{"CRM_TOKEN", "t"}}), problems);
  std::vector<std::string> out;
  for (const auto& p : problems) out.push_back(p.key_path + ": " + p.message);
  return out;
}

TEST(rest_templates, template_mistakes_are_reported_with_their_key_path) {
  json settings = contact_settings();
  json& contact = settings["objects"]["Contact"];
  contact["lookup"]["body"] = {{"q", "{id_value}"}};  // on a GET
  contact["lookup"]["total"] = "a..b";
  contact["create"]["body"] = {{"properties", "{properties}"}, {"x", {{"y", "{contact_id}"}}}};
  contact["create"]["headers"] = {{"Authorization", "x"}, {"X-Code", "{order_code} {external_id}"}};
  contact["create"]["idempotency_key"] = 5;
  contact["update"]["body"] = R"({"properties": "{properties}")";
  contact["update"]["headers"] = {{"X-Position", "{position_id}"}};
  contact["fields"] = ".properties";
  json ticket = contact_settings()["objects"]["Contact"];
  ticket["association_item"] = {{"to", "{association_id}"}, {"kind", "{association_kind}"}};
  ticket["associations"] = {{"contact", {{"mapping", 1}, {"into", "associations"}, {"type_id", 7}}},
                            {"owner", {{"mapping", 1}, {"into", "elsewhere"}}}};
  settings["objects"]["Ticket"] = ticket;

  const std::string at = "providers[0].rest.objects.";
  const std::vector<std::string> expected{
      at + "Contact.lookup.body: a GET request has no body: set method = \"POST\" (or another "
           "method)",
      at + "Contact.lookup.total: \"a..b\" is not a dotted path (an empty segment)",
      at + "Contact.create.body.x.y: unknown placeholder {contact_id}",
      at + "Contact.create.headers.Authorization: set credentials in the auth table (secrets "
           "come from the environment)",
      at + "Contact.create.headers.X-Code: placeholder {external_id} cannot be used here",
      at + "Contact.create.idempotency_key: expected true, false or a header name, got number",
      at + "Contact.update.body: not valid JSON: ",
      at + "Contact.fields: \".properties\" is not a dotted path (an empty segment)",
      at + "Ticket.association_item.kind: unknown placeholder {association_kind}",
      at + "Ticket.associations.owner.into: \"elsewhere\" is not one of field, associations",
      at + "Ticket.associations.contact: into = \"associations\", but create.body does not use "
           "{associations}: the association would never be sent",
      at + "Contact.update.headers.X-Position: {position_id} has no value for mapping 1, an "
           "Order mapping",
  };
  const auto all = problems_of(settings);
  for (const auto& e : expected) {
    const bool found = std::any_of(all.begin(), all.end(),
                                   [&](const std::string& p) { return p.rfind(e, 0) == 0; });
    EXPECT_TRUE(found) << "missing: " << e;
  }
  EXPECT_EQ(all.size(), expected.size()) << ::testing::PrintToString(all);
}

TEST(rest_templates, a_lookup_reports_the_total_of_matches_and_reads_the_existing_fields) {
  json settings = contact_settings();
  json& contact = settings["objects"]["Contact"];
  contact["lookup"] = {
      {"method", "POST"},
      {"url", "/api/contact/search"},
      {"body", {{"filter", {{"{id_field}", "ignored key"}, {"eq", "{id_value}"}}}}},
      {"results", "data.results"},
      {"total", "data.total"}};
  contact["fields"] = "values";
  contact["update"]["body"] = {{"values", "{properties}"}, {"names", "{property_names}"}};
  rest_fixture f(settings);
  f.crm->answer_next([](const http::http_request&) {
    return respond(200, R"({"data": {"total": 3, "results": [
        {"id": 7, "values": {"email": "anna@example.org", "name": "Old", "city": "Kiel"}}]}})");
  });
  f.crm->answer_next([](const http::http_request&) { return respond(200, "{}"); });
  const completed done = f.sync(
      f.request("anna@example.org", {{"name", "Anna", "overwrite"}, {"city", "Bonn", "if_empty"}}));
  ASSERT_TRUE(done.result.ok()) << done.result.error->summary();
  EXPECT_EQ(done.result.outcome->sync_info["action"], "updated");
  EXPECT_EQ(done.result.outcome->sync_info["lookup_matches"], 3);
  EXPECT_EQ(done.result.outcome->sync_info["external_id"], "7");
  const auto requests = f.transport->requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(json::parse(requests[0].body),
            json::parse(R"({"filter": {"{id_field}": "ignored key", "eq": "anna@example.org"}})"));
  EXPECT_EQ(requests[1].url, "http://crm.test/api/contact/7");
  EXPECT_EQ(json::parse(requests[1].body),
            json::parse(R"({"values": {"name": "Anna", "email": "anna@example.org"},
                            "names": ["name", "city", "email"]})"));
}

}  // namespace
}  // namespace tixsync::providers::rest
