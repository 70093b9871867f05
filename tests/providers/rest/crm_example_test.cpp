// The shipped example examples/crm.toml: it loads, its mappings fit the sample event, both HTTP
// providers build from it, and the sample orders sync through its REST provider into a scripted
// CRM (contacts, tickets linked to their contact, orders linked to both), a second time without a
// single write; its webhook provider delivers signed bodies.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "config/config_loader.hpp"
#include "mapping/evaluate.hpp"
#include "mapping/order_reader.hpp"
#include "providers/rest/http_providers.hpp"
#include "providers/rest/webhook_signature.hpp"
#include "tests/providers/provider_test_support.hpp"
#include "tests/providers/rest/rest_test_support.hpp"

namespace tixsync::providers::rest {
namespace {

const std::string examples = std::string(TIXSYNC_TEST_DATA_DIR) + "/../../examples/";

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

config::env_lookup example_env() {
  return testing::fake_env({{"CRM_TOKEN", testing::crm_token}, {"HOOK_SECRET", "demo-secret"}});
}

struct sample {
  mapping::event_bundle event;
  std::vector<std::shared_ptr<const mapping::order>> orders;
};

sample read_sample(std::size_t count) {
  sample s;
  mapping::order_reader reader;
  mapping::read_error error;
  EXPECT_TRUE(reader.read_event_bundle(read_file(examples + "sample-event.json"), s.event, error));
  std::istringstream lines(read_file(examples + "sample-orders.jsonl"));
  std::string line;
  while (s.orders.size() < count && std::getline(lines, line)) {
    auto order = std::make_shared<mapping::order>();
    EXPECT_TRUE(reader.read_order(line, *order, error));
    s.orders.push_back(order);
  }
  return s;
}

config::tixsync_config load_example() {
  auto result = config::load_config(examples + "crm.toml", example_env());
  EXPECT_TRUE(result.ok()) << config::format_problems(result.problems);
  return result.config;
}

TEST(crm_example, loads_and_every_provider_checks) {
  const config::tixsync_config cfg = load_example();
  ASSERT_EQ(cfg.providers.size(), 2u);
  const sample s = read_sample(0);
  EXPECT_TRUE(config::check_mappings_against(cfg, mapping::field_catalogue(s.event)).empty());
  for (std::size_t i = 0; i < cfg.providers.size(); ++i) {
    const build_options options{"providers[" + std::to_string(i) + "]", example_env()};
    const auto problems = check_http_provider(cfg.providers[i], options);
    EXPECT_TRUE(problems.empty()) << problems.front().to_string();
  }
  // Without the secrets the file does not check.
  const auto unset = check_http_provider(cfg.providers[0], {"providers[0]", testing::fake_env({})});
  ASSERT_EQ(unset.size(), 1u);
  EXPECT_EQ(unset[0].key_path, "providers[0].rest.auth.token_env");
}

TEST(crm_example, sample_orders_sync_into_the_crm_with_associations) {
  const config::tixsync_config cfg = load_example();
  const sample s = read_sample(3);
  ASSERT_EQ(s.orders.size(), 3u);
  auto crm = std::make_shared<testing::crm_script>();
  auto transport = std::make_shared<testing::scripted_transport>(
      [crm](const http::http_request& request) { return (*crm)(request); });
  auto provider =
      build_rest_provider(cfg.providers[0], transport, {}, {"providers[0]", example_env()});
  const mapping::field_catalogue catalogue(s.event);

  auto sync_all = [&](providers::testing::result_store& store) {
    std::vector<std::string> actions;
    for (const auto& order : s.orders) {
      const auto objects = mapping::evaluate_order(provider->mappings(), *order, s.event, catalogue,
                                                   {}, provider->evaluation_options());
      const auto run = providers::testing::run_order(*provider, order, objects, store);
      EXPECT_FALSE(run.error) << run.error->summary();
      actions.insert(actions.end(), run.actions.begin(), run.actions.end());
    }
    return actions;
  };
  providers::testing::result_store store;
  const auto first = sync_all(store);
  ASSERT_FALSE(first.empty());
  EXPECT_EQ(std::count(first.begin(), first.end(), "nothing_to_do"), 0);

  const auto tickets = crm->objects("ticket");
  const auto orders = crm->objects("order");
  ASSERT_EQ(orders.size(), 3u);
  ASSERT_FALSE(tickets.empty());
  for (const auto& order : orders) {
    // Each order names its contact and its tickets, and its tickets name the same contact.
    const json contact = crm->find("contact", order["contact"].get<std::string>());
    ASSERT_TRUE(contact.is_object()) << order.dump();
    std::istringstream ids(order["tickets"].get<std::string>());
    std::string id;
    int count = 0;
    while (std::getline(ids, id, ',')) {
      EXPECT_EQ(crm->find("ticket", id)["contact"], contact["id"]);
      ++count;
    }
    EXPECT_GT(count, 0) << order.dump();
    EXPECT_NE(order["ticket_links"].get<std::string>().find("http://127.0.0.1:8089/api/ticket/"),
              std::string::npos);
  }
  // The stored results link to the CRM.
  const sync_result& stored = store.begin()->second;
  EXPECT_EQ(stored.external_link_href->rfind("http://127.0.0.1:8089/api/", 0), 0u);

  // A second sync, with the stored results as previous: found by id, nothing to write.
  const auto requests_before = transport->requests().size();
  const auto second = sync_all(store);
  EXPECT_EQ(second, std::vector<std::string>(first.size(), "nothing_to_do"));
  for (auto i = requests_before; i < transport->requests().size(); ++i) {
    EXPECT_EQ(transport->requests()[i].method, "GET");
  }
  EXPECT_TRUE(transport->wait_idle());
}

TEST(crm_example, the_webhook_provider_delivers_signed_orders) {
  const config::tixsync_config cfg = load_example();
  const sample s = read_sample(1);
  auto transport = std::make_shared<testing::scripted_transport>(
      [](const http::http_request&) { return testing::respond(204); });
  auto provider =
      build_webhook_provider(cfg.providers[1], transport, {}, {"providers[1]", example_env()});
  const mapping::field_catalogue catalogue(s.event);
  const auto objects = mapping::evaluate_order(provider->mappings(), *s.orders[0], s.event,
                                               catalogue, {}, provider->evaluation_options());
  providers::testing::result_store store;
  const auto run = providers::testing::run_order(*provider, s.orders[0], objects, store);
  ASSERT_FALSE(run.error) << run.error->summary();
  EXPECT_EQ(run.actions, std::vector<std::string>{"delivered"});
  const auto sent = transport->requests().at(0);
  EXPECT_EQ(sent.url.rfind("http://127.0.0.1:8089/hooks/tixsync?event=", 0), 0u);
  const json body = json::parse(sent.body);
  EXPECT_EQ(body["order_code"], s.orders[0]->code);
  EXPECT_EQ(body["properties"]["email"], s.orders[0]->email);
  std::string signature, timestamp;
  for (const auto& [name, value] : sent.headers) {
    if (name == "X-Tixsync-Signature") signature = value;
    if (name == "X-Tixsync-Timestamp") timestamp = value;
  }
  EXPECT_EQ(signature, webhook_signature("demo-secret", std::stoll(timestamp), sent.body));
  EXPECT_TRUE(transport->wait_idle());
}

}  // namespace
}  // namespace tixsync::providers::rest
