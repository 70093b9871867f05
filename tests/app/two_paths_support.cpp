// The stand-in pretix shop, the mappings built from an event's source-field catalogue, the node
// config and the normalisation of a CRM's contents for the two-paths end-to-end test.
#include "tests/app/two_paths_support.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <thread>

#include "api/json_response.hpp"
#include "api/router.hpp"
#include "tests/support/command.hpp"
#include "tests/support/test_data.hpp"

namespace tixsync::testing {
namespace {

using nlohmann::json;

json property(const std::string& field, const std::string& mode, json value_map = "") {
  return {{"pretix_field", field},
          {"external_field", field},
          {"value_map", std::move(value_map)},
          {"overwrite", mode}};
}

json mapping(int id, const std::string& model, const std::string& type, const std::string& id_field,
             const std::string& external_id_field, json properties) {
  return {{"id", id},
          {"pretix_model", model},
          {"external_object_type", type},
          {"pretix_id_field", id_field},
          {"external_id_field", external_id_field},
          {"property_mappings", std::move(properties)}};
}

const json status_map = {{"n", "pending"}, {"p", "paid"}, {"e", "expired"}, {"c", "canceled"}};

/// "a,b" split at commas ("" gives nothing).
std::vector<std::string> split(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string part; std::getline(in, part, ',');) out.push_back(part);
  return out;
}

}  // namespace

pretix_shop::pretix_shop(const std::string& event_path, const std::string& orders_path,
                         std::string token)
    : token_(std::move(token)) {
  const json bundle = json::parse(read_text(event_path));
  organizer_ = bundle["organizer"];
  slug_ = bundle["event"]["slug"];
  std::istringstream lines(read_text(orders_path));
  for (std::string line; std::getline(lines, line);) {
    if (line.empty()) continue;
    json order = json::parse(line);
    const std::string code = order["code"];
    codes_.push_back(code);
    orders_[code] = std::move(order);
  }
  resources_ = std::make_unique<api::testing::pretix_event_resources>(
      bundle, "/api/v1/organizers/" + organizer_ + "/events/" + slug_ + "/");
  api::router routes;
  routes.add_sync("GET", "/api/v1/organizers/{org}/events/{ev}/{rest...}",
                  [this](const api::http_request& r) { return answer(r); });
  server_ = std::make_unique<api::http_server>(api::server_options{}, std::move(routes));
  server_->start();
}

pretix_shop::~pretix_shop() {
  server_->stop();
}

std::string pretix_shop::url() const {
  return "http://127.0.0.1:" + std::to_string(server_->port());
}

api::http_response pretix_shop::answer(const api::http_request& r) {
  const int number = ++requests_;
  if (number == 2) {
    ++throttled_;
    auto limited =
        api::error_response(429, "Request was throttled. Expected available in 1 second.");
    limited.set_header("Retry-After", "1");
    return limited;
  }
  if (number % 5 == 0) {
    ++slowed_;
    std::this_thread::sleep_for(slow_answer);
  }
  if (r.header("Authorization").value_or("") != "Token " + token_) {
    return api::error_response(401, "Invalid token.");
  }
  if (r.param("org") != organizer_ || r.param("ev") != slug_) {
    return api::error_response(404, "Not found.");
  }
  const std::string& rest = r.param("rest");
  if (auto resource = resources_->answer(rest, r, url())) return *resource;
  if (rest.rfind("orders/", 0) == 0 && rest.size() > 8 && rest.back() == '/') {
    auto it = orders_.find(rest.substr(7, rest.size() - 8));
    if (it != orders_.end()) {
      return api::http_response::text(
          200, api::testing::pretix_event_resources::order_as_served(it->second, r),
          "application/json");
    }
  }
  return api::error_response(404, "Not found.");
}

json mappings_for_event(const std::string& event_path) {
  const auto listed = run_tixsync({"fields", "--event", event_path, "--json"});
  EXPECT_EQ(listed.exit_code, 0) << listed.err;
  json contact = json::array(), ticket = json::array(), order = json::array();
  const json fields = json::parse(listed.out);
  for (const auto& category : fields["categories"]) {
    for (const auto& field : category["fields"]) {
      const std::string key = field["key"], input = field["input"];
      json map = key == "order_status" || key == "ticket_status" ? status_map : json("");
      if (input == "order" || input == "event") order.push_back(property(key, "overwrite", map));
      if (input != "order" && input != "event") ticket.push_back(property(key, "overwrite", map));
      if (key.rfind("invoice_address_", 0) == 0) contact.push_back(property(key, "if_empty"));
    }
  }
  contact.push_back(property("order_locale", "if_new"));
  contact.push_back(property("order_code", "append"));
  contact.push_back(property("event_slug", "append"));
  return json::array({mapping(1, "Order", "Contact", "email", "email", contact),
                      mapping(2, "OrderPosition", "Ticket", "ticket_id", "ticket_id", ticket),
                      mapping(3, "Order", "Order", "event_order_code", "code", order)});
}

std::string node_config(const node_setup& s) {
  std::ostringstream c;
  c << "[redis]\nurl = \"redis://127.0.0.1:" << s.redis_port << "/0\"\n"
    << "[node]\nname = \"" << s.name << "\"\n"
    << "[shop]\nurl = \"" << s.shop_url << "\"\norganizer = \"nordlicht\"\n"
    << "api_token_env = \"TWO_PATHS_SHOP_TOKEN\"\n";
  if (s.http) {
    c << "[http]\nport = 0\napi_token_env = \"TWO_PATHS_API_TOKEN\"\n"
      << "webhook_token_env = \"TWO_PATHS_WEBHOOK_TOKEN\"\n";
  }
  c << R"([[providers]]
id = "crm"
type = "rest"
list_joiner = ","
mappings = ")"
    << s.mappings_path << R"("
[providers.rest]
base_url = ")"
    << s.crm_url << R"("
[providers.rest.auth]
type = "bearer"
token_env = "TWO_PATHS_CRM_TOKEN"
[providers.rest.objects.Contact]
lookup = { url = "/api/contact?{id_field}={id_value}", results = "results", not_found = "empty" }
get = { url = "/api/contact/{external_id}" }
create = { method = "POST", url = "/api/contact", id = "id" }
update = { method = "PATCH", url = "/api/contact/{external_id}" }
link = "{base_url}/api/contact/{external_id}"
[providers.rest.objects.Ticket]
lookup = { url = "/api/ticket?{id_field}={id_value}", results = "results" }
get = { url = "/api/ticket/{external_id}" }
create = { url = "/api/ticket" }
update = { url = "/api/ticket/{external_id}" }
link = "{base_url}/api/ticket/{external_id}"
[providers.rest.objects.Ticket.associations]
contact = { mapping = 1 }
[providers.rest.objects.Order]
lookup = { url = "/api/order?{id_field}={id_value}", results = "results" }
get = { url = "/api/order/{external_id}" }
create = { url = "/api/order" }
update = { url = "/api/order/{external_id}" }
link = "{base_url}/api/order/{external_id}"
[providers.rest.objects.Order.associations]
contact = { mapping = 1 }
tickets = { mapping = 2 }
ticket_links = { mapping = 2, value = "link" }
[[providers]]
id = "hook"
type = "webhook"
native_lists = true
mappings = ")"
    << s.mappings_path << R"("
[providers.webhook]
url = ")"
    << s.crm_url << R"(/hooks/tixsync?event={organizer}/{event}"
secret_env = "TWO_PATHS_HOOK_SECRET"
)";
  return c.str();
}

// What legitimately differs between two CRMs fed the same data, and only that, is normalised:
// - the ids the CRM generates ("1", "2", ... per type, in the order objects were created, which
//   depends on which order a node synced first): each object is keyed by its identifying field
//   instead (contact: email, ticket: ticket_id, order: code) and its "id" dropped; the
//   association fields holding ids (ticket.contact, order.contact, order.tickets) are replaced
//   by the identifying values of the objects they name;
// - the CRM's address inside links (order.ticket_links: "<crm url>/api/ticket/<id>"): replaced
//   by the ticket's identifying value;
// - of each webhook delivery, when it arrived and its headers (the send time and the signature
//   over it); the deliveries are sorted by order, mapping and position, not by arrival.
// Every other field and value is compared as the CRM holds it.
json normalised_crm(const json& dump, const json& hooks, const std::string& crm_url) {
  const std::map<std::string, std::string> id_fields = {
      {"contact", "email"}, {"ticket", "ticket_id"}, {"order", "code"}};
  std::map<std::string, std::map<std::string, std::string>> natural;  // type -> id -> value
  for (const auto& [type, field] : id_fields) {
    for (const auto& object : dump.value(type, json::array())) {
      natural[type][object["id"]] = object.value(field, "?");
    }
  }
  auto name_of = [&](const std::string& type, const std::string& id) {
    auto it = natural[type].find(id);
    return it == natural[type].end() ? "unknown " + type + " id " + id : it->second;
  };
  json out = json::object();
  for (const auto& [type, field] : id_fields) {
    out[type] = json::object();
    for (json object : dump.value(type, json::array())) {
      const std::string key = object.value(field, "?");
      object.erase("id");
      if (object.contains("contact")) object["contact"] = name_of("contact", object["contact"]);
      if (object.contains("tickets")) {
        json names = json::array();
        for (const auto& id : split(object["tickets"])) names.push_back(name_of("ticket", id));
        object["tickets"] = names;
      }
      if (object.contains("ticket_links")) {
        json names = json::array();
        for (const auto& link : split(object["ticket_links"])) {
          const std::string prefix = crm_url + "/api/ticket/";
          names.push_back(link.rfind(prefix, 0) == 0 ? name_of("ticket", link.substr(prefix.size()))
                                                     : "foreign link " + link);
        }
        object["ticket_links"] = names;
      }
      out[type][key] = std::move(object);
    }
  }
  std::vector<json> bodies;
  for (const auto& hook : hooks["hooks"]) bodies.push_back(hook["json"]);
  std::sort(bodies.begin(), bodies.end(), [](const json& a, const json& b) {
    return std::tie(a["order_code"], a["mapping_id"], a["position_id"]) <
           std::tie(b["order_code"], b["mapping_id"], b["position_id"]);
  });
  out["hooks"] = bodies;
  return out;
}

}  // namespace tixsync::testing
