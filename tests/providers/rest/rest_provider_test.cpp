// The REST provider's flow over a scripted CRM: create, update, nothing to do, get by the
// previous external id (with the 404 fallback to a lookup), several lookup matches, the
// not_found modes, nested response paths, URL encoding, auth headers and asynchrony.
#include "providers/rest/rest_provider.hpp"

#include <gtest/gtest.h>

#include "providers/rest/credentials.hpp"
#include "tests/providers/provider_test_support.hpp"
#include "tests/providers/rest/rest_test_support.hpp"

namespace tixsync::providers::rest {
namespace {

using testing::completed;
using testing::contact_mapping;
using testing::contact_settings;
using testing::crm_token;
using testing::respond;
using testing::rest_fixture;

const std::string email = "anna+tix@example.org";
const std::string lookup_url = "http://crm.test/api/contact?email=anna%2Btix%40example.org";

std::vector<mapping::property_value> contact_properties(const std::string& name = "Anna") {
  return {{"name", name, "overwrite"}, {"status", "paid", "overwrite"}};
}

std::string header(const http::http_request& request, const std::string& name) {
  for (const auto& [key, value] : request.headers) {
    if (key == name) return value;
  }
  return "<none>";
}

TEST(rest_provider, creates_a_new_object) {
  rest_fixture f;
  const completed done = f.sync(f.request(email, contact_properties()));
  ASSERT_TRUE(done.result.ok()) << done.result.error->summary();
  const object_outcome& outcome = *done.result.outcome;
  EXPECT_EQ(outcome.sync_info,
            json({{"action", "created"}, {"external_id", "1"}, {"object_type", "Contact"}}));
  EXPECT_EQ(outcome.external_link_href, "https://crm.example.org/contacts/1");
  EXPECT_EQ(outcome.external_link_display_name, "Contact anna+tix@example.org");

  EXPECT_EQ(f.transport->calls(),
            (std::vector<std::string>{"GET " + lookup_url, "POST http://crm.test/api/contact"}));
  const auto requests = f.transport->requests();
  EXPECT_EQ(header(requests[0], "Authorization"), "Bearer " + crm_token);
  EXPECT_EQ(header(requests[0], "Accept"), "application/json");
  EXPECT_EQ(header(requests[0], "Content-Type"), "<none>");
  EXPECT_TRUE(requests[0].body.empty());
  EXPECT_EQ(requests[0].timeout, std::chrono::milliseconds(5000));
  EXPECT_EQ(header(requests[1], "Content-Type"), "application/json");
  EXPECT_EQ(json::parse(requests[1].body),
            json({{"name", "Anna"}, {"status", "paid"}, {"email", email}}));
  EXPECT_EQ(f.crm->objects("contact").size(), 1u);
}

TEST(rest_provider, completes_on_the_transport_thread_without_blocking_the_caller) {
  providers::testing::gate answer_gate;  // outlives the fixture, whose worker uses it
  rest_fixture f;
  *f.before_answer = [&answer_gate] { EXPECT_TRUE(answer_gate.wait()); };
  auto promise = std::make_shared<std::promise<completed>>();
  auto future = promise->get_future();
  f.provider->sync_object(f.request(email, contact_properties()),
                          make_object_completion([promise](object_result result) {
                            promise->set_value({std::move(result), std::this_thread::get_id()});
                          }));
  // sync_object returned while the transport still holds the first request unanswered.
  EXPECT_EQ(future.wait_for(std::chrono::milliseconds(0)), std::future_status::timeout);
  answer_gate.open();
  const completed done = providers::testing::wait_for_value(future);
  EXPECT_TRUE(done.result.ok());
  EXPECT_EQ(done.thread, f.transport->worker_id());
  EXPECT_NE(done.thread, std::this_thread::get_id());
  EXPECT_EQ(f.transport->requests().size(), 2u);
}

TEST(rest_provider, updates_an_existing_object) {
  rest_fixture f;
  f.crm->put(
      "contact",
      {{"id", "7"}, {"email", email}, {"name", "Old"}, {"status", "paid"}, {"phone", "+49 1"}});
  const completed done = f.sync(f.request(email, contact_properties("Anna")));
  ASSERT_TRUE(done.result.ok()) << done.result.error->summary();
  EXPECT_EQ(done.result.outcome->sync_info["action"], "updated");
  EXPECT_EQ(done.result.outcome->sync_info["external_id"], "7");
  EXPECT_EQ(done.result.outcome->external_link_href, "https://crm.example.org/contacts/7");
  EXPECT_EQ(f.transport->calls(),
            (std::vector<std::string>{"GET " + lookup_url, "PATCH http://crm.test/api/contact/7"}));
  EXPECT_EQ(json::parse(f.transport->requests()[1].body),
            json({{"name", "Anna"}, {"status", "paid"}, {"email", email}}));
  EXPECT_EQ(f.crm->find("contact", "7")["name"], "Anna");
  EXPECT_EQ(f.crm->find("contact", "7")["phone"], "+49 1");
}

TEST(rest_provider, nothing_to_do_when_every_mapped_field_is_equal) {
  rest_fixture f;
  f.crm->put("contact", {{"id", "7"},
                         {"email", email},
                         {"name", "Anna"},
                         {"status", "paid"},
                         {"extra", "not mapped"}});
  const completed done = f.sync(f.request(email, contact_properties("Anna")));
  ASSERT_TRUE(done.result.ok());
  EXPECT_EQ(done.result.outcome->sync_info,
            json({{"action", "nothing_to_do"}, {"external_id", "7"}, {"object_type", "Contact"}}));
  EXPECT_EQ(f.transport->calls(), std::vector<std::string>{"GET " + lookup_url});
}

TEST(rest_provider, gets_by_the_external_id_of_the_previous_sync) {
  rest_fixture f;
  f.crm->put("contact", {{"id", "7"}, {"email", "old@example.org"}, {"name", "Anna"}});
  object_request request = f.request(email, contact_properties());
  request.previous = testing::previous_result(contact_mapping(), "7");
  const completed done = f.sync(std::move(request));
  ASSERT_TRUE(done.result.ok());
  EXPECT_EQ(done.result.outcome->sync_info["action"], "updated");
  EXPECT_EQ(done.result.outcome->sync_info["external_id"], "7");
  // No lookup: the e-mail changed, the id did not.
  EXPECT_EQ(f.transport->calls(),
            (std::vector<std::string>{"GET http://crm.test/api/contact/7",
                                      "PATCH http://crm.test/api/contact/7"}));
  EXPECT_EQ(f.crm->find("contact", "7")["email"], email);
}

TEST(rest_provider, falls_back_to_a_lookup_when_the_previous_id_is_gone) {
  rest_fixture f;
  f.crm->put("contact", {{"id", "8"}, {"email", email}, {"name", "Anna"}, {"status", "paid"}});
  object_request request = f.request(email, contact_properties());
  request.previous = testing::previous_result(contact_mapping(), "99");
  const completed done = f.sync(std::move(request));
  ASSERT_TRUE(done.result.ok());
  EXPECT_EQ(done.result.outcome->sync_info["action"], "nothing_to_do");
  EXPECT_EQ(done.result.outcome->sync_info["external_id"], "8");
  EXPECT_EQ(f.transport->calls(),
            (std::vector<std::string>{"GET http://crm.test/api/contact/99", "GET " + lookup_url}));
}

TEST(rest_provider, a_previous_result_of_another_object_type_is_not_used) {
  rest_fixture f;
  object_request request = f.request(email, contact_properties());
  request.previous = testing::previous_result(contact_mapping(), "7");
  request.previous->external_object_type = "Lead";
  const completed done = f.sync(std::move(request));
  ASSERT_TRUE(done.result.ok());
  EXPECT_EQ(f.transport->calls().front(), "GET " + lookup_url);
}

TEST(rest_provider, several_lookup_matches_use_the_first_and_say_so) {
  rest_fixture f;
  f.crm->put("contact", {{"id", "3"}, {"email", email}, {"name", "Anna"}, {"status", "paid"}});
  f.crm->put("contact", {{"id", "4"}, {"email", email}, {"name", "Dup"}, {"status", "paid"}});
  const completed done = f.sync(f.request(email, contact_properties()));
  ASSERT_TRUE(done.result.ok());
  EXPECT_EQ(done.result.outcome->sync_info, json({{"action", "nothing_to_do"},
                                                  {"external_id", "3"},
                                                  {"object_type", "Contact"},
                                                  {"lookup_matches", 2}}));
  bool warned = false;
  for (const auto& line : f.log.lines()) {
    warned = warned || line.find(
                           "warning rest provider \"crm\": order ABC12 mapping 1: the lookup "
                           "found 2 Contact objects, using the first (external id 3)") == 0;
  }
  EXPECT_TRUE(warned);
}

TEST(rest_provider, logs_each_exchange_at_debug_unless_the_program_keeps_only_info) {
  const auto count_exchange_lines = [](const std::vector<std::string>& lines) {
    int n = 0;
    for (const auto& line : lines) n += line.find("debug rest provider \"crm\": GET ") == 0;
    return n;
  };
  {
    rest_fixture f;
    ASSERT_TRUE(f.sync(f.request(email, contact_properties())).result.ok());
    EXPECT_EQ(count_exchange_lines(f.log.lines()), 1);  // the lookup (the create is a POST)
  }
  providers::log_threshold() = providers::log_level::info;
  struct restore {
    ~restore() { providers::log_threshold() = providers::log_level::debug; }
  } restore_threshold;
  rest_fixture f;
  ASSERT_TRUE(f.sync(f.request(email, contact_properties())).result.ok());
  EXPECT_EQ(count_exchange_lines(f.log.lines()), 0);
}

TEST(rest_provider, not_found_404_mode_and_nested_paths) {
  // An API that answers 404 for unknown e-mails and wraps everything in "data".
  json settings = json::parse(R"({
    "base_url": "http://api.test",
    "objects": {"Contact": {
      "id": "key",
      "lookup": {"url": "/contacts/by-email/{id_value}", "results": "data", "not_found": "404"},
      "create": {"url": "/contacts", "id": "data.key"},
      "update": {"method": "PUT", "url": "/contacts/{external_id}"}}}})");
  rest_fixture f(settings);
  f.crm->fail_next(respond(404, R"({"error":"no such contact"})"));
  f.crm->fail_next(respond(201, R"({"data":{"key":42,"email":"x"}})"));
  f.crm->fail_next(respond(200, R"({"data":{"key":42,"email":"anna+tix@example.org"}})"));
  f.crm->fail_next(respond(200, "{}"));
  const completed created = f.sync(f.request(email, contact_properties()));
  ASSERT_TRUE(created.result.ok()) << created.result.error->summary();
  EXPECT_EQ(created.result.outcome->sync_info["external_id"], "42");  // integer id as text
  EXPECT_EQ(created.result.outcome->sync_info["action"], "created");
  const completed updated = f.sync(f.request(email, contact_properties()));
  ASSERT_TRUE(updated.result.ok()) << updated.result.error->summary();
  EXPECT_EQ(updated.result.outcome->sync_info["action"], "updated");
  EXPECT_EQ(
      f.transport->calls(),
      (std::vector<std::string>{"GET http://api.test/contacts/by-email/anna%2Btix%40example.org",
                                "POST http://api.test/contacts",
                                "GET http://api.test/contacts/by-email/anna%2Btix%40example.org",
                                "PUT http://api.test/contacts/42"}));
  EXPECT_FALSE(created.result.outcome->external_link_href);
}

TEST(rest_provider, placeholders_are_percent_encoded_in_urls) {
  json settings = contact_settings();
  settings["objects"]["Contact"]["lookup"]["url"] =
      "/api/contact?{id_field}={id_value}&order={order_code}&event={organizer}/{event}";
  settings["objects"]["Contact"]["link"] = "https://crm.example.org/{object_type}/{external_id}";
  rest_fixture f(settings);
  const completed done = f.sync(f.request("Zoë & Co/1?", contact_properties()));
  ASSERT_TRUE(done.result.ok());
  EXPECT_EQ(f.transport->calls().front(),
            "GET http://crm.test/api/contact?email=Zo%C3%AB%20%26%20Co%2F1%3F&order=ABC12&event="
            "nordlicht/ndd25");
  EXPECT_EQ(done.result.outcome->external_link_href, "https://crm.example.org/Contact/1");
  EXPECT_EQ(done.result.outcome->external_link_display_name, "Contact Zoë & Co/1?");
  // The CRM received the decoded value.
  EXPECT_EQ(f.crm->find("contact", "1")["email"], "Zoë & Co/1?");
}

TEST(rest_provider, sends_api_key_and_basic_auth_headers) {
  json api_key = contact_settings();
  api_key["auth"] = {{"type", "api_key"}, {"header", "X-API-Key"}, {"token_env", "CRM_TOKEN"}};
  rest_fixture f(api_key);
  ASSERT_TRUE(f.sync(f.request(email)).result.ok());
  for (const auto& request : f.transport->requests()) {
    EXPECT_EQ(header(request, "X-API-Key"), crm_token);
    EXPECT_EQ(header(request, "Authorization"), "<none>");
  }

  json basic = contact_settings();
  basic["auth"] = {{"type", "basic"}, {"username", "sync"}, {"password_env", "CRM_TOKEN"}};
  rest_fixture g(basic);
  ASSERT_TRUE(g.sync(g.request(email)).result.ok());
  for (const auto& request : g.transport->requests()) {
    EXPECT_EQ(header(request, "Authorization"), "Basic " + base64_encode("sync:" + crm_token));
  }
}

TEST(rest_provider, extra_headers_are_sent_with_every_request) {
  json settings = contact_settings();
  settings["headers"] = {{"X-Tenant", "nordlicht"}};
  rest_fixture f(settings);
  ASSERT_TRUE(f.sync(f.request(email, contact_properties())).result.ok());
  ASSERT_EQ(f.transport->requests().size(), 2u);
  for (const auto& request : f.transport->requests()) {
    EXPECT_EQ(header(request, "X-Tenant"), "nordlicht");
  }
}

TEST(rest_provider, provider_settings_come_from_the_section) {
  rest_fixture f(contact_settings(), {contact_mapping()}, std::nullopt);
  EXPECT_EQ(f.provider->identifier(), "crm");
  EXPECT_EQ(f.provider->display_name(), "crm");
  EXPECT_FALSE(f.provider->list_joiner());
  EXPECT_EQ(f.provider->mappings().size(), 1u);
  EXPECT_EQ(f.provider->settings().base_url, "http://crm.test");
}

TEST(rest_provider, builds_its_own_client_without_a_transport) {
  auto section = testing::make_section("rest", contact_settings(), {contact_mapping()});
  auto provider = build_rest_provider(section, nullptr, {},
                                      {"providers[0]", testing::fake_env({{"CRM_TOKEN", "t"}})});
  ASSERT_TRUE(provider);
  provider->close();  // stops the client's I/O threads
  provider->close();  // once only
}

}  // namespace
}  // namespace tixsync::providers::rest
