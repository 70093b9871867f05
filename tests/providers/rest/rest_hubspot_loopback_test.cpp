// The REST provider with request templates through the real http_client against a small
// stand-in of HubSpot's CRM objects API over loopback, shaped as HubSpot's public docs describe
// it: create with {"properties": ..., "associations": [...]}, search by POST with filterGroups
// answering {"total", "results"}, get and PATCH by id, a 409 "Contact already exists. Existing
// ID: N" for a second contact with the same e-mail, and replayed answers for a repeated
// Idempotency-Key.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "api/http_server.hpp"
#include "api/json_response.hpp"
#include "config/config_loader.hpp"
#include "mapping/evaluate.hpp"
#include "mapping/order_reader.hpp"
#include "providers/rest/http_providers.hpp"
#include "tests/providers/provider_test_support.hpp"
#include "tests/providers/rest/rest_test_support.hpp"

namespace tixsync::providers::rest {
namespace {

using json = nlohmann::json;
using providers::testing::make_object;
using providers::testing::make_order;
using providers::testing::make_request;
using providers::testing::sync_and_wait;

const std::string token = "hubspot-app-token-51aa-SECRET";

/// The stand-in: records by object type, each {"id", "properties", "associations"}.
class hubspot_standin {
 public:
  hubspot_standin() {
    api::router routes;
    routes.add_sync("POST", "/crm/v3/objects/{type}/search", [this](const api::http_request& r) {
      return guarded(r, &hubspot_standin::search);
    });
    routes.add("POST", "/crm/v3/objects/{type}", [this](api::http_request r, api::responder reply) {
      api::http_response answer = guarded(r, &hubspot_standin::create);
      const auto delay = take_create_delay();
      if (delay.count() == 0) return void(reply.send(std::move(answer)));
      server_->after(delay, [reply, answer]() mutable { reply.send(std::move(answer)); });
    });
    routes.add_sync("GET", "/crm/v3/objects/{type}/{id}", [this](const api::http_request& r) {
      return guarded(r, &hubspot_standin::get);
    });
    routes.add_sync("PATCH", "/crm/v3/objects/{type}/{id}", [this](const api::http_request& r) {
      return guarded(r, &hubspot_standin::update);
    });
    server_ = std::make_unique<api::http_server>(api::server_options{}, std::move(routes));
    server_->start();
  }
  ~hubspot_standin() { server_->stop(); }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }

  /// Stores a record directly; `searchable` false models the search index lagging behind.
  std::string put(const std::string& type, json properties, bool searchable = true) {
    std::lock_guard<std::mutex> lock(mutex_);
    return store(type, std::move(properties), json::array(), searchable);
  }
  std::vector<json> records(const std::string& type) const {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = records_.find(type);
    return it == records_.end() ? std::vector<json>{} : it->second;
  }
  /// "METHOD path" of every request, in order.
  std::vector<std::string> calls() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return calls_;
  }
  std::vector<api::http_request> requests() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return requests_;
  }
  /// Newly created records stay out of search results (a lagging index).
  void set_index_lag(bool lag) {
    std::lock_guard<std::mutex> lock(mutex_);
    index_lag_ = lag;
  }
  /// The next create is stored at once but answered only after `delay`.
  void delay_next_create(std::chrono::milliseconds delay) {
    std::lock_guard<std::mutex> lock(mutex_);
    create_delay_ = delay;
  }

 private:
  using handler = api::http_response (hubspot_standin::*)(const api::http_request&, json& body);

  static api::http_response error(int status, const std::string& category,
                                  const std::string& message) {
    return api::json_response(status, {{"status", "error"},
                                       {"message", message},
                                       {"category", category},
                                       {"correlationId", "c0ffee"}});
  }

  api::http_response guarded(const api::http_request& request, handler next) {
    std::lock_guard<std::mutex> lock(mutex_);
    calls_.push_back(request.method + " " + request.path);
    requests_.push_back(request);
    if (request.header("Authorization").value_or("") != "Bearer " + token) {
      return error(401, "INVALID_AUTHENTICATION", "Authentication credentials not found.");
    }
    json body = request.body.empty() ? json::object() : json::parse(request.body, nullptr, false);
    if (body.is_discarded()) return error(400, "VALIDATION_ERROR", "Invalid input JSON");
    return (this->*next)(request, body);
  }

  /// A record as the API shows it: only the asked-for properties when `names` is a list.
  static json shown(const json& record, const json& names) {
    json out = {{"id", record["id"]}, {"properties", json::object()}, {"archived", false}};
    for (const auto& [key, value] : record["properties"].items()) {
      if (!names.is_array() || std::find(names.begin(), names.end(), key) != names.end()) {
        out["properties"][key] = value;
      }
    }
    out["properties"]["hs_object_id"] = record["id"];
    return out;
  }

  api::http_response search(const api::http_request& request, json& body) {
    const json& groups = body.value("filterGroups", json::array());
    if (!groups.is_array() || groups.size() != 1 || !groups[0].contains("filters")) {
      return error(400, "VALIDATION_ERROR", "filterGroups: one group expected");
    }
    json results = json::array();
    for (const auto& record : records_[request.param("type")]) {
      if (lagging_.count(record["id"].get<std::string>())) continue;
      bool all = true;
      for (const auto& filter : groups[0]["filters"]) {
        if (filter.value("operator", "") != "EQ") return error(400, "VALIDATION_ERROR", "operator");
        const json& value = record["properties"].value(filter.value("propertyName", ""), json());
        all = all && value == filter["value"];
      }
      if (all) results.push_back(shown(record, body.value("properties", json())));
    }
    const std::size_t total = results.size();
    const std::size_t limit = body.value("limit", 10);
    while (results.size() > limit) results.erase(results.end() - 1);
    return api::json_response(200, {{"total", total}, {"results", results}});
  }

  api::http_response create(const api::http_request& request, json& body) {
    const auto key = request.header("Idempotency-Key");
    if (key && replies_.count(*key)) return replies_[*key];
    if (!body.contains("properties") || !body["properties"].is_object()) {
      return error(400, "VALIDATION_ERROR", "properties: an object is required");
    }
    const std::string type = request.param("type");
    json properties = json::object();
    for (const auto& [name, value] : body["properties"].items()) {
      properties[name] = value.is_string() ? value.get<std::string>() : value.dump();
    }
    if (type == "contacts" && properties.contains("email")) {
      for (const auto& record : records_[type]) {
        if (record["properties"].value("email", json()) == properties["email"]) {
          return error(409, "CONFLICT",
                       "Contact already exists. Existing ID: " + record["id"].get<std::string>());
        }
      }
    }
    json associations = body.value("associations", json::array());
    for (const auto& a : associations) {
      if (!a.contains("to") || !a["to"].contains("id") || !a.contains("types") ||
          !a["types"].is_array() || a["types"].empty() ||
          !a["types"][0]["associationTypeId"].is_number_integer() ||
          !a["types"][0]["associationCategory"].is_string()) {
        return error(400, "VALIDATION_ERROR", "associations: to.id and types are required");
      }
    }
    const std::string id = store(type, properties, associations, !index_lag_);
    auto answer = api::json_response(201, shown(records_[type].back(), json()));
    if (key) replies_[*key] = answer;
    return answer;
  }

  api::http_response get(const api::http_request& request, json&) {
    for (const auto& record : records_[request.param("type")]) {
      if (record["id"] == request.param("id")) {
        json names = json();
        if (auto list = request.query_param("properties")) {
          names = json::array();
          for (std::size_t start = 0; start <= list->size();) {
            const auto comma = std::min(list->find(',', start), list->size());
            names.push_back(list->substr(start, comma - start));
            start = comma + 1;
          }
        }
        return api::json_response(200, shown(record, names));
      }
    }
    return error(404, "OBJECT_NOT_FOUND", "Object not found");
  }

  api::http_response update(const api::http_request& request, json& body) {
    if (!body.contains("properties") || !body["properties"].is_object()) {
      return error(400, "VALIDATION_ERROR", "properties: an object is required");
    }
    for (auto& record : records_[request.param("type")]) {
      if (record["id"] != request.param("id")) continue;
      for (const auto& [name, value] : body["properties"].items()) {
        record["properties"][name] = value.is_string() ? value.get<std::string>() : value.dump();
      }
      return api::json_response(200, shown(record, json()));
    }
    return error(404, "OBJECT_NOT_FOUND", "Object not found");
  }

  std::string store(const std::string& type, json properties, json associations, bool searchable) {
    const std::string id = std::to_string(++next_id_);
    records_[type].push_back({{"id", id},
                              {"properties", std::move(properties)},
                              {"associations", std::move(associations)}});
    if (!searchable) lagging_.insert(id);
    return id;
  }

  std::chrono::milliseconds take_create_delay() {
    std::lock_guard<std::mutex> lock(mutex_);
    return std::exchange(create_delay_, std::chrono::milliseconds(0));
  }

  mutable std::mutex mutex_;
  std::map<std::string, std::vector<json>> records_;
  std::set<std::string> lagging_;
  std::map<std::string, api::http_response> replies_;
  std::vector<std::string> calls_;
  std::vector<api::http_request> requests_;
  bool index_lag_ = false;
  std::chrono::milliseconds create_delay_{0};
  std::int64_t next_id_ = 900;
  std::unique_ptr<api::http_server> server_;
};

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

/// The calls of one HubSpot object type at `path` (e.g. "contacts"), as examples/hubspot.toml
/// writes them.
json object_calls(const std::string& path) {
  const std::string base = "/crm/v3/objects/" + path;
  return {
      {"fields", "properties"},
      {"error_message", "message"},
      {"lookup",
       {{"method", "POST"},
        {"url", base + "/search"},
        {"body",
         {{"filterGroups",
           {{{"filters",
              {{{"propertyName", "{id_field}"}, {"operator", "EQ"}, {"value", "{id_value}"}}}}}}},
          {"properties", "{property_names}"},
          {"limit", 1}}},
        {"results", "results"},
        {"total", "total"}}},
      {"get", {{"url", base + "/{external_id}?properties={property_names}"}}},
      {"create",
       {{"url", base},
        {"body", {{"properties", "{properties}"}}},
        {"existing_id_after", "Existing ID: "},
        {"idempotency_key", true},
        {"headers", {{"X-Tixsync-Order", "{organizer}/{event}/{order_code}"}}}}},
      {"update", {{"url", base + "/{external_id}"}, {"body", {{"properties", "{properties}"}}}}}};
}

/// Contacts by e-mail (mapping 1) and, with `tickets`, a custom ticket object per position
/// (mapping 2) associated with its contact.
json hubspot_settings(const std::string& base_url, bool tickets,
                      const std::string& request_timeout = "5s") {
  json settings = {{"base_url", base_url},
                   {"request_timeout", request_timeout},
                   {"auth", {{"type", "bearer"}, {"token_env", "HUBSPOT_TOKEN"}}},
                   {"objects", {{"Contact", object_calls("contacts")}}}};
  if (tickets) {
    json ticket = object_calls("2-90001");
    ticket["create"]["body"]["associations"] = "{associations}";
    ticket["association_item"] = json::parse(R"({"to": {"id": "{association_id}"},
        "types": [{"associationCategory": "USER_DEFINED", "associationTypeId": "{association_type_id}"}]})");
    ticket["associations"] = {
        {"contact", {{"mapping", 1}, {"into", "associations"}, {"type_id", 7}}}};
    settings["objects"]["Ticket"] = ticket;
  }
  return settings;
}

struct hubspot_provider {
  hubspot_provider(json settings, std::vector<mapping::mapping_definition> mappings) {
    auto section =
        testing::make_section("rest", std::move(settings), std::move(mappings), "hubspot");
    provider = build_rest_provider(section, nullptr, log.sink(),
                                   {"providers[0]", testing::fake_env({{"HUBSPOT_TOKEN", token}})});
  }
  ~hubspot_provider() { provider->close(); }

  /// A contact request of order `order_code` (event nordlicht/ndd25).
  object_request contact(const std::string& email, std::vector<mapping::property_value> properties,
                         const std::string& order_code = "ABC12") const {
    auto request = make_request(
        *provider, make_order(order_code),
        make_object(provider->mappings()[0], std::nullopt, email, std::move(properties)));
    auto event = std::make_shared<mapping::event_bundle>();
    event->organizer = "nordlicht";
    event->slug = "ndd25";
    request.event = event;
    return request;
  }

  testing::log_lines log;
  std::shared_ptr<rest_provider> provider;
};

std::vector<std::string> header_values(const std::vector<api::http_request>& requests,
                                       const std::string& name) {
  std::vector<std::string> values;
  for (const auto& r : requests) {
    if (auto value = r.header(name)) values.push_back(*value);
  }
  return values;
}

TEST(hubspot_loopback, searches_by_post_creates_with_properties_and_updates_by_id) {
  hubspot_standin hubspot;
  hubspot_provider p(hubspot_settings(hubspot.url(), false),
                     {make(1, "Order", "Contact", "email")});
  const auto created = sync_and_wait(
      *p.provider, p.contact("anna@example.org", {{"firstname", "Anna", "overwrite"},
                                                  {"company", "Nordlicht", "if_empty"}}));
  ASSERT_TRUE(created.result) << created.error->summary();
  EXPECT_EQ(created.result->sync_info["action"], "created");
  const std::string id = created.result->sync_info["external_id"];
  EXPECT_EQ(hubspot.calls(), (std::vector<std::string>{"POST /crm/v3/objects/contacts/search",
                                                       "POST /crm/v3/objects/contacts"}));
  const auto requests = hubspot.requests();
  EXPECT_EQ(json::parse(requests[0].body),
            json::parse(R"({"filterGroups": [{"filters": [{"propertyName": "email",
                "operator": "EQ", "value": "anna@example.org"}]}],
                "properties": ["firstname", "company", "email"], "limit": 1})"));
  EXPECT_EQ(json::parse(requests[1].body),
            json::parse(R"({"properties": {"firstname": "Anna", "company": "Nordlicht",
                "email": "anna@example.org"}})"));
  EXPECT_EQ(requests[1].header("X-Tixsync-Order").value_or(""), "nordlicht/ndd25/ABC12");
  EXPECT_EQ(requests[1].header("Content-Type").value_or(""), "application/json");

  // Changed: get by the stored id (only the written properties), then PATCH {"properties"};
  // the company is kept (if_empty).
  auto change = p.contact("anna@example.org", {{"firstname", "Anna B.", "overwrite"},
                                               {"company", "Other", "if_empty"}});
  change.previous = *created.result;
  const auto updated = sync_and_wait(*p.provider, std::move(change));
  ASSERT_TRUE(updated.result) << updated.error->summary();
  EXPECT_EQ(updated.result->sync_info["action"], "updated");
  EXPECT_EQ(hubspot.calls().at(2), "GET /crm/v3/objects/contacts/" + id);
  EXPECT_EQ(hubspot.requests().at(2).query_param("properties").value_or(""),
            "firstname,company,email");
  EXPECT_EQ(hubspot.calls().at(3), "PATCH /crm/v3/objects/contacts/" + id);
  EXPECT_EQ(
      json::parse(hubspot.requests().at(3).body),
      json::parse(R"({"properties": {"firstname": "Anna B.", "email": "anna@example.org"}})"));

  // Found by search without a stored result, equal: nothing to write.
  const auto same = sync_and_wait(
      *p.provider, p.contact("anna@example.org", {{"firstname", "Anna B.", "overwrite"}}));
  ASSERT_TRUE(same.result) << same.error->summary();
  EXPECT_EQ(same.result->sync_info["action"], "nothing_to_do");
  EXPECT_EQ(same.result->sync_info["external_id"], id);
  ASSERT_EQ(hubspot.records("contacts").size(), 1u);
  EXPECT_EQ(
      hubspot.records("contacts")[0]["properties"],
      json({{"firstname", "Anna B."}, {"company", "Nordlicht"}, {"email", "anna@example.org"}}));
}

TEST(hubspot_loopback, a_ticket_per_position_is_created_associated_with_the_contact) {
  hubspot_standin hubspot;
  hubspot_provider p(
      hubspot_settings(hubspot.url(), true),
      {make(1, "Order", "Contact", "email"), make(2, "OrderPosition", "Ticket", "ticket_id")});
  const auto& m = p.provider->mappings();
  providers::testing::result_store store;
  const auto run = providers::testing::run_order(
      *p.provider, make_order("ABC12", {11, 12}),
      {make_object(m[0], std::nullopt, "anna@example.org", {{"firstname", "Anna", "overwrite"}}),
       make_object(m[1], 11, "ABC12-11", {{"seat", "A1", "overwrite"}}),
       make_object(m[1], 12, "ABC12-12", {{"seat", "A2", "overwrite"}})},
      store);
  ASSERT_FALSE(run.error) << run.error->summary();
  EXPECT_EQ(run.actions, (std::vector<std::string>{"created", "created", "created"}));
  const std::string contact = hubspot.records("contacts").at(0)["id"];
  const auto tickets = hubspot.records("2-90001");
  ASSERT_EQ(tickets.size(), 2u);
  for (const auto& ticket : tickets) {
    EXPECT_EQ(ticket["associations"],
              json::parse(R"([{"to": {"id": ")" + contact +
                          R"("}, "types": [{"associationCategory": "USER_DEFINED",
                             "associationTypeId": 7}]}])"));
  }
  EXPECT_EQ(tickets[0]["properties"], json({{"seat", "A1"}, {"ticket_id", "ABC12-11"}}));
  // Each position's create has its own idempotency key, and so has the contact's.
  const auto keys = header_values(hubspot.requests(), "Idempotency-Key");
  ASSERT_EQ(keys.size(), 3u);
  EXPECT_EQ(std::set<std::string>(keys.begin(), keys.end()).size(), 3u);
}

TEST(hubspot_loopback, a_409_on_create_fetches_the_existing_contact_and_updates_it) {
  hubspot_standin hubspot;
  // Created meanwhile by someone else, not yet in the search index.
  const std::string existing =
      hubspot.put("contacts", {{"email", "anna@example.org"}, {"lastname", "Fischer"}}, false);
  hubspot_provider p(hubspot_settings(hubspot.url(), false),
                     {make(1, "Order", "Contact", "email")});
  const auto done = sync_and_wait(
      *p.provider, p.contact("anna@example.org", {{"firstname", "Anna", "overwrite"},
                                                  {"lastname", "Weber", "if_empty"}}));
  ASSERT_TRUE(done.result) << done.error->summary();
  EXPECT_EQ(done.result->sync_info["action"], "updated");
  EXPECT_EQ(done.result->sync_info["external_id"], existing);
  EXPECT_EQ(done.result->sync_info["conflict"], true);
  EXPECT_EQ(hubspot.calls(),
            (std::vector<std::string>{"POST /crm/v3/objects/contacts/search",
                                      "POST /crm/v3/objects/contacts",
                                      "GET /crm/v3/objects/contacts/" + existing,
                                      "PATCH /crm/v3/objects/contacts/" + existing}));
  ASSERT_EQ(hubspot.records("contacts").size(), 1u);
  EXPECT_EQ(hubspot.records("contacts")[0]["properties"],
            json({{"email", "anna@example.org"}, {"firstname", "Anna"}, {"lastname", "Fischer"}}));
}

TEST(hubspot_loopback, a_second_409_is_a_recoverable_error_with_the_api_message) {
  hubspot_standin hubspot;
  hubspot.put("contacts", {{"email", "anna@example.org"}}, false);
  json settings = hubspot_settings(hubspot.url(), false);
  settings["objects"]["Contact"]["create"].erase("existing_id_after");  // so: lookup after a 409
  hubspot_provider p(settings, {make(1, "Order", "Contact", "email")});
  const auto done = sync_and_wait(
      *p.provider, p.contact("anna@example.org", {{"firstname", "Anna", "overwrite"}}));
  ASSERT_TRUE(done.error);
  EXPECT_EQ(done.error->kind, sync_error_kind::recoverable);
  EXPECT_EQ(done.error->signature, "http-409");
  EXPECT_EQ(done.error->messages.at(0),
            "POST " + hubspot.url() + "/crm/v3/objects/contacts failed: HTTP 409");
  EXPECT_EQ(done.error->messages.at(1), "Message: Contact already exists. Existing ID: 901");
  // Bounded: search, create, search again, create again; nothing more.
  EXPECT_EQ(hubspot.calls(),
            (std::vector<std::string>{
                "POST /crm/v3/objects/contacts/search", "POST /crm/v3/objects/contacts",
                "POST /crm/v3/objects/contacts/search", "POST /crm/v3/objects/contacts"}));
  EXPECT_EQ(hubspot.records("contacts").size(), 1u);
}

TEST(hubspot_loopback, a_create_retried_after_a_timeout_carries_the_same_idempotency_key) {
  hubspot_standin hubspot;
  hubspot.set_index_lag(true);
  hubspot.delay_next_create(std::chrono::milliseconds(1500));
  hubspot_provider p(hubspot_settings(hubspot.url(), false, "300ms"),
                     {make(1, "Order", "Contact", "email")});
  const auto first = sync_and_wait(
      *p.provider, p.contact("anna@example.org", {{"firstname", "Anna", "overwrite"}}));
  ASSERT_TRUE(first.error);
  EXPECT_EQ(first.error->signature, "timeout");
  EXPECT_EQ(first.error->kind, sync_error_kind::recoverable);

  // The retry: the search does not see the new record yet; the create carries the same key and
  // gets the first create's answer instead of a second record.
  const auto retry = sync_and_wait(
      *p.provider, p.contact("anna@example.org", {{"firstname", "Anna", "overwrite"}}));
  ASSERT_TRUE(retry.result) << retry.error->summary();
  EXPECT_EQ(retry.result->sync_info["action"], "created");
  ASSERT_EQ(hubspot.records("contacts").size(), 1u);
  EXPECT_EQ(retry.result->sync_info["external_id"], hubspot.records("contacts")[0]["id"]);
  const auto keys = header_values(hubspot.requests(), "Idempotency-Key");
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys[0], keys[1]);
  EXPECT_EQ(keys[0].size(), 64u);  // a SHA-256 in hex: no e-mail address in it
  EXPECT_EQ(keys[0].find("anna"), std::string::npos);

  // Another order's contact gets another key.
  const auto other = sync_and_wait(*p.provider, p.contact("ben@example.org", {}, "XYZ34"));
  ASSERT_TRUE(other.result) << other.error->summary();
  const auto all = header_values(hubspot.requests(), "Idempotency-Key");
  ASSERT_EQ(all.size(), 3u);
  EXPECT_NE(all[2], all[0]);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(hubspot_loopback, the_example_config_syncs_the_sample_orders_once) {
  const std::string examples = std::string(TIXSYNC_TEST_DATA_DIR) + "/../../examples/";
  const auto env = testing::fake_env({{"HUBSPOT_TOKEN", token}});
  auto loaded = config::load_config(examples + "hubspot.toml", env);
  ASSERT_TRUE(loaded.ok()) << config::format_problems(loaded.problems);
  mapping::event_bundle event;
  mapping::order_reader reader;
  mapping::read_error error;
  ASSERT_TRUE(reader.read_event_bundle(read_file(examples + "sample-event.json"), event, error));
  const mapping::field_catalogue catalogue(event);
  EXPECT_TRUE(config::check_mappings_against(loaded.config, catalogue).empty());

  hubspot_standin hubspot;
  config::provider_section section = loaded.config.providers.at(0);
  section.settings["base_url"] = hubspot.url();
  auto provider = build_rest_provider(section, nullptr, {}, {"providers[0]", env});
  std::istringstream lines(read_file(examples + "sample-orders.jsonl"));
  std::string line;
  std::vector<std::shared_ptr<mapping::order>> orders;
  while (orders.size() < 4 && std::getline(lines, line)) {
    orders.push_back(std::make_shared<mapping::order>());
    ASSERT_TRUE(reader.read_order(line, *orders.back(), error));
  }
  providers::testing::result_store store;
  std::size_t positions = 0;
  for (int round = 0; round < 2; ++round) {
    for (const auto& order : orders) {
      if (round == 0) positions += order->positions.size();
      const auto objects = mapping::evaluate_order(provider->mappings(), *order, event, catalogue,
                                                   {}, provider->evaluation_options());
      const auto run = providers::testing::run_order(*provider, order, objects, store);
      ASSERT_FALSE(run.error) << run.error->summary();
      if (round == 1) {  // everything found by its stored id and equal
        EXPECT_EQ(run.actions, std::vector<std::string>(run.actions.size(), "nothing_to_do"));
      }
    }
  }
  provider->close();
  EXPECT_EQ(hubspot.records("contacts").size(), orders.size());
  const auto tickets = hubspot.records("2-12345678");
  EXPECT_EQ(tickets.size(), positions);
  for (const auto& ticket : tickets) {
    ASSERT_EQ(ticket["associations"].size(), 1u) << ticket.dump();
    EXPECT_EQ(ticket["associations"][0]["types"][0]["associationTypeId"], 25);
  }
}

}  // namespace
}  // namespace tixsync::providers::rest
