// The REST provider through the real http_client against the real mock CRM over loopback:
// create, update and nothing to do, pretix's update modes on stored objects, the associations of
// examples/crm.toml, every error class the mock (or a tiny 422 server) can produce, timeouts and
// closed connections, bearer authentication, and secrets that reach no result, log line or
// stored object.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "api/http_server.hpp"
#include "api/json_response.hpp"
#include "app/mock_crm.hpp"
#include "config/config_loader.hpp"
#include "mapping/evaluate.hpp"
#include "mapping/order_reader.hpp"
#include "providers/rest/http_providers.hpp"
#include "tests/providers/provider_test_support.hpp"
#include "tests/providers/rest/rest_test_support.hpp"
#include "tests/support/http_fetch.hpp"
#include "tests/support/test_data.hpp"

namespace tixsync::providers::rest {
namespace {

using json = nlohmann::json;
using providers::testing::make_object;
using providers::testing::make_order;
using providers::testing::make_request;
using providers::testing::sync_and_wait;

const std::string token = "loopback-token-7c1e-SECRET";
const std::string email = "anna@example.org";

/// A mock CRM on an ephemeral loopback port, started for one test.
std::unique_ptr<app::mock_crm> start_crm(const std::string& required_token = token) {
  app::mock_crm_options options;
  options.token = required_token;
  auto crm = std::make_unique<app::mock_crm>(options);
  crm->start();
  return crm;
}

/// [providers.rest] for contacts on the mock CRM at `base_url`.
json contact_rest(const std::string& base_url, const std::string& request_timeout = "5s") {
  json settings = testing::contact_settings();
  settings["base_url"] = base_url;
  settings["request_timeout"] = request_timeout;
  settings["objects"]["Contact"]["link"] = "{base_url}/api/contact/{external_id}";
  return settings;
}

/// A REST provider with its own http_client, closed when the test ends.
struct loopback_provider {
  explicit loopback_provider(json settings, const std::string& env_token = token) {
    auto section = testing::make_section("rest", std::move(settings), {testing::contact_mapping()});
    provider = build_rest_provider(section, nullptr, log.sink(),
                                   {"providers[0]", testing::fake_env({{"CRM_TOKEN", env_token}})});
  }
  ~loopback_provider() { provider->close(); }

  object_request request(std::vector<mapping::property_value> properties,
                         const std::string& id_value = email) const {
    auto request = make_request(*provider, make_order("ABC12"),
                                make_object(provider->mappings()[0], std::nullopt, id_value,
                                            std::move(properties)));
    return request;
  }
  object_result sync(object_request request) {
    return testing::sync_object_and_wait(*provider, std::move(request)).result;
  }

  testing::log_lines log;
  std::shared_ptr<rest_provider> provider;
};

std::uint64_t requests_by_method(const app::mock_crm& crm, const std::string& method) {
  return crm.stats()["requests"]["by_method"].value(method, std::uint64_t{0});
}

TEST(rest_loopback, creates_updates_and_then_has_nothing_to_do) {
  auto crm = start_crm();
  loopback_provider p(contact_rest(crm->url()));

  auto created = sync_and_wait(*p.provider, p.request({{"name", "Anna", "overwrite"}}));
  ASSERT_TRUE(created.result) << created.error->summary();
  EXPECT_EQ(created.result->sync_info["action"], "created");
  const std::string id = created.result->sync_info["external_id"];
  EXPECT_EQ(*created.result->external_link_href, crm->url() + "/api/contact/" + id);
  const json stored = crm->dump()["contact"].at(0);
  EXPECT_EQ(stored["email"], email);
  EXPECT_EQ(stored["name"], "Anna");

  // A changed property, with the stored result as previous: get by id, then PATCH.
  auto update = p.request({{"name", "Anna B.", "overwrite"}});
  update.previous = *created.result;
  auto updated = sync_and_wait(*p.provider, std::move(update));
  ASSERT_TRUE(updated.result) << updated.error->summary();
  EXPECT_EQ(updated.result->sync_info["action"], "updated");
  EXPECT_EQ(requests_by_method(*crm, "PATCH"), 1u);
  EXPECT_EQ(crm->dump()["contact"].at(0)["name"], "Anna B.");

  // The same again: only GETs.
  const json before = crm->stats()["requests"]["by_method"];
  auto again = p.request({{"name", "Anna B.", "overwrite"}});
  again.previous = *updated.result;
  auto nothing = sync_and_wait(*p.provider, std::move(again));
  ASSERT_TRUE(nothing.result) << nothing.error->summary();
  EXPECT_EQ(nothing.result->sync_info["action"], "nothing_to_do");
  json after = crm->stats()["requests"]["by_method"];
  EXPECT_GT(after["GET"].get<int>(), before["GET"].get<int>());
  after.erase("GET");
  json before_writes = before;
  before_writes.erase("GET");
  EXPECT_EQ(after, before_writes);
  EXPECT_EQ(crm->dump()["contact"].size(), 1u);
}

TEST(rest_loopback, update_modes_apply_to_the_stored_object) {
  auto crm = start_crm();
  auto seeded = tixsync::testing::fetch(
      "POST", crm->port(), "/api/contact",
      json{{"email", email}, {"name", "Old"}, {"phone", ""}, {"note", "keep"}, {"tags", "press"}}
          .dump(),
      {{"Authorization", "Bearer " + token}});
  ASSERT_EQ(seeded.status, 201) << seeded.body;
  loopback_provider p(contact_rest(crm->url()));
  const auto done = p.sync(p.request({{"name", "Anna", "overwrite"},
                                      {"note", "", "overwrite"},
                                      {"phone", "+49 1", "if_empty"},
                                      {"city", "Berlin", "if_empty"},
                                      {"name", "Ignored", "if_empty"},
                                      {"source", "tixsync", "if_new"},
                                      {"tags", "vip,press", "append"}}));
  ASSERT_TRUE(done.ok()) << done.error->summary();
  EXPECT_EQ(done.outcome->sync_info["action"], "updated");
  const json contact = crm->dump()["contact"].at(0);
  EXPECT_EQ(contact["name"], "Anna");
  EXPECT_EQ(contact["note"], "");
  EXPECT_EQ(contact["phone"], "+49 1");
  EXPECT_EQ(contact["city"], "Berlin");
  EXPECT_FALSE(contact.contains("source")) << contact.dump();
  EXPECT_EQ(contact["tags"], "press,vip");

  // if_new writes when the object is new.
  const auto created = p.sync(p.request({{"source", "tixsync", "if_new"}}, "ben@example.org"));
  ASSERT_TRUE(created.ok()) << created.error->summary();
  const auto found = crm->stats()["objects"]["contact"];
  EXPECT_EQ(found, 2);
  for (const auto& c : crm->dump()["contact"]) {
    if (c["email"] == "ben@example.org") {
      EXPECT_EQ(c["source"], "tixsync");
    }
  }
}

using tixsync::testing::read_text;

/// examples/crm.toml with its URLs pointing at `base_url`.
config::tixsync_config example_config(const std::string& base_url, const config::env_lookup& env) {
  const std::string path = std::string(TIXSYNC_TEST_DATA_DIR) + "/../../examples/crm.toml";
  std::string text = read_text(path);
  const std::string demo = "http://127.0.0.1:8089";
  for (auto at = text.find(demo); at != std::string::npos; at = text.find(demo, at)) {
    text.replace(at, demo.size(), base_url);
  }
  auto loaded = config::parse_config(text, path, env);
  EXPECT_TRUE(loaded.ok()) << config::format_problems(loaded.problems);
  return loaded.config;
}

TEST(rest_loopback, the_example_links_orders_tickets_and_contacts) {
  auto crm = start_crm();
  const auto env = testing::fake_env({{"CRM_TOKEN", token}, {"HOOK_SECRET", "hook-secret"}});
  const auto cfg = example_config(crm->url(), env);
  ASSERT_EQ(cfg.providers.size(), 2u);
  auto provider = build_rest_provider(cfg.providers[0], nullptr, {}, {"providers[0]", env});

  const std::string examples = std::string(TIXSYNC_TEST_DATA_DIR) + "/../../examples/";
  mapping::order_reader reader;
  mapping::read_error error;
  mapping::event_bundle event;
  ASSERT_TRUE(reader.read_event_bundle(read_text(examples + "sample-event.json"), event, error));
  const mapping::field_catalogue catalogue(event);
  std::istringstream lines(read_text(examples + "sample-orders.jsonl"));
  std::string line;
  providers::testing::result_store store;
  int orders = 0;
  while (orders < 3 && std::getline(lines, line)) {
    auto order = std::make_shared<mapping::order>();
    ASSERT_TRUE(reader.read_order(line, *order, error));
    const auto objects = mapping::evaluate_order(provider->mappings(), *order, event, catalogue, {},
                                                 provider->evaluation_options());
    const auto run = providers::testing::run_order(*provider, order, objects, store);
    ASSERT_FALSE(run.error) << run.error->summary();
    ++orders;
  }
  const json dump = crm->dump();
  ASSERT_EQ(dump["order"].size(), 3u);
  for (const auto& order : dump["order"]) {
    const std::string contact = order["contact"];
    ASSERT_FALSE(contact.empty()) << order.dump();
    std::istringstream ids(order["tickets"].get<std::string>());
    std::string id;
    int tickets = 0;
    while (std::getline(ids, id, ',')) {
      // Each ticket of the order exists, names the order's contact, and is linked.
      const auto ticket = tixsync::testing::fetch("GET", crm->port(), "/api/ticket/" + id, "",
                                                  {{"Authorization", "Bearer " + token}});
      ASSERT_EQ(ticket.status, 200) << id;
      EXPECT_EQ(json::parse(ticket.body)["contact"], contact);
      EXPECT_NE(order["ticket_links"].get<std::string>().find(crm->url() + "/api/ticket/" + id),
                std::string::npos);
      ++tickets;
    }
    EXPECT_GT(tickets, 0) << order.dump();
  }
  provider->close();
}

TEST(rest_loopback, a_503_is_recoverable) {
  auto crm = start_crm();
  app::mock_crm_faults faults;
  faults.fail_rate = 1.0;
  crm->set_faults(faults);
  loopback_provider p(contact_rest(crm->url()));
  const auto done = p.sync(p.request({{"name", "Anna", "overwrite"}}));
  ASSERT_FALSE(done.ok());
  EXPECT_EQ(done.error->kind, sync_error_kind::recoverable);
  EXPECT_EQ(done.error->signature, "http-503");
  EXPECT_EQ(done.error->messages.at(0), "GET " + crm->url() + "/api/contact failed: HTTP 503");
}

TEST(rest_loopback, a_429_is_rate_limited_until_its_retry_after) {
  auto crm = start_crm();
  app::mock_crm_faults faults;
  faults.rate_limit_rate = 1.0;
  faults.retry_after = "120";
  crm->set_faults(faults);
  loopback_provider p(contact_rest(crm->url()));
  const auto before = sync_clock::now();
  auto done = p.sync(p.request({{"name", "Anna", "overwrite"}}));
  ASSERT_FALSE(done.ok());
  EXPECT_EQ(done.error->kind, sync_error_kind::rate_limited);
  EXPECT_EQ(done.error->signature, "http-429");
  ASSERT_TRUE(done.error->retry_at);
  EXPECT_GE(*done.error->retry_at, before + std::chrono::seconds(119));

  faults.retry_after = "Fri, 01 Jan 2100 00:00:00 GMT";
  crm->set_faults(faults);
  done = p.sync(p.request({{"name", "Anna", "overwrite"}}));
  ASSERT_FALSE(done.ok());
  EXPECT_EQ(done.error->kind, sync_error_kind::rate_limited);
  ASSERT_TRUE(done.error->retry_at);
  EXPECT_EQ(to_unix_ms(*done.error->retry_at), 4102444800000);
}

TEST(rest_loopback, a_400_is_permanent_with_the_response_excerpt) {
  auto crm = start_crm();
  // The mock's fault control refuses unknown keys with 400: a create sent there gets one.
  json settings = contact_rest(crm->url());
  settings["objects"]["Contact"]["create"]["url"] = "/_mock/faults";
  loopback_provider p(settings);
  const auto done = p.sync(p.request({{"name", "Anna", "overwrite"}}));
  ASSERT_FALSE(done.ok());
  EXPECT_EQ(done.error->kind, sync_error_kind::unrecoverable);
  EXPECT_EQ(done.error->signature, "http-400");
  EXPECT_EQ(done.error->messages.at(0), "POST " + crm->url() + "/_mock/faults failed: HTTP 400");
  ASSERT_GE(done.error->messages.size(), 2u);
  EXPECT_EQ(done.error->messages.at(1).rfind("Response: ", 0), 0u);
  EXPECT_NE(done.error->messages.at(1).find("email"), std::string::npos)
      << done.error->messages.at(1);
}

TEST(rest_loopback, a_422_is_permanent_with_the_response_excerpt) {
  api::router routes;
  routes.add_sync("GET", "/api/{type}", [](const api::http_request&) {
    return api::json_response(422, {{"error", "email: not accepted here"}});
  });
  api::http_server server({}, std::move(routes));
  server.start();
  loopback_provider p(contact_rest("http://127.0.0.1:" + std::to_string(server.port())));
  const auto done = p.sync(p.request({{"name", "Anna", "overwrite"}}));
  ASSERT_FALSE(done.ok());
  EXPECT_EQ(done.error->kind, sync_error_kind::unrecoverable);
  EXPECT_EQ(done.error->signature, "http-422");
  ASSERT_GE(done.error->messages.size(), 2u);
  EXPECT_EQ(done.error->messages.at(1), R"(Response: {"error":"email: not accepted here"})");
  p.provider->close();
  server.stop();
}

TEST(rest_loopback, a_slow_answer_times_out_recoverably) {
  auto crm = start_crm();
  app::mock_crm_faults faults;
  faults.latency_ms = 3000;
  crm->set_faults(faults);
  loopback_provider p(contact_rest(crm->url(), "200ms"));
  const auto done = p.sync(p.request({{"name", "Anna", "overwrite"}}));
  ASSERT_FALSE(done.ok());
  EXPECT_EQ(done.error->kind, sync_error_kind::recoverable);
  EXPECT_EQ(done.error->signature, "timeout");
  EXPECT_EQ(crm->stats()["created"], 0);
}

TEST(rest_loopback, a_connection_closed_mid_response_is_recoverable) {
  auto crm = start_crm();
  app::mock_crm_faults faults;
  faults.close_rate = 1.0;
  crm->set_faults(faults);
  loopback_provider p(contact_rest(crm->url()));
  const auto done = p.sync(p.request({{"name", "Anna", "overwrite"}}));
  ASSERT_FALSE(done.ok());
  EXPECT_EQ(done.error->kind, sync_error_kind::recoverable);
  EXPECT_EQ(done.error->signature, "closed");
  EXPECT_GE(crm->stats()["faults_injected"]["close"].get<int>(), 1);
}

TEST(rest_loopback, bearer_auth_with_the_right_token_works_and_without_it_is_refused) {
  auto crm = start_crm();
  {
    loopback_provider right(contact_rest(crm->url()));
    const auto done = right.sync(right.request({{"name", "Anna", "overwrite"}}));
    ASSERT_TRUE(done.ok()) << done.error->summary();
    EXPECT_EQ(done.outcome->sync_info["action"], "created");
  }
  const std::string wrong_token = "wrong-token-4411-SECRET";
  loopback_provider wrong(contact_rest(crm->url()), wrong_token);
  auto done = wrong.sync(wrong.request({{"name", "Ben", "overwrite"}}, "ben@example.org"));
  ASSERT_FALSE(done.ok());
  EXPECT_EQ(done.error->kind, sync_error_kind::unrecoverable);
  EXPECT_EQ(done.error->signature, "http-401");
  EXPECT_EQ(testing::all_text(done).find(wrong_token), std::string::npos);

  json no_auth = contact_rest(crm->url());
  no_auth.erase("auth");
  loopback_provider missing(no_auth);
  done = missing.sync(missing.request({{"name", "Ben", "overwrite"}}, "ben@example.org"));
  ASSERT_FALSE(done.ok());
  EXPECT_EQ(done.error->signature, "http-401");
  EXPECT_EQ(crm->stats()["unauthorized"], 2);
  EXPECT_EQ(crm->stats()["objects"]["contact"], 1);
}

TEST(rest_loopback, the_token_reaches_no_result_log_line_or_stored_object) {
  auto crm = start_crm();
  loopback_provider p(contact_rest(crm->url()));
  std::string text;
  const auto created = p.sync(p.request({{"name", "Anna", "overwrite"}}));
  ASSERT_TRUE(created.ok());
  text += testing::all_text(created);
  for (const auto& [kind, rate] : std::vector<std::pair<std::string, double>>{
           {"fail", 1.0}, {"rate_limit", 1.0}, {"close", 1.0}}) {
    app::mock_crm_faults faults;
    (kind == "fail" ? faults.fail_rate : kind == "close" ? faults.close_rate
                                                          : faults.rate_limit_rate) = rate;
    crm->set_faults(faults);
    const auto failed = p.sync(p.request({{"name", "Anna " + kind, "overwrite"}}));
    EXPECT_FALSE(failed.ok()) << kind;
    text += testing::all_text(failed);
  }
  for (const auto& line : p.log.lines()) text += line + "\n";
  text += crm->dump().dump() + crm->hooks().dump() + crm->stats().dump();
  EXPECT_EQ(text.find(token), std::string::npos) << text;
  EXPECT_NE(text.find("http-503"), std::string::npos);
}

}  // namespace
}  // namespace tixsync::providers::rest
