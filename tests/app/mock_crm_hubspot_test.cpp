// Tests of `tixsync mock-crm --flavor hubspot` as a child process over real loopback HTTP: object
// create/get/patch with HubSpot's shapes, the 409 on a unique value, batch read/create/update/
// upsert with 207 multi-status and the 100-input limit, search paging, v4 associations, the
// per-token quota with its headers and 429s, the search limit, OAuth tokens and their expiry, the
// Idempotency-Key, and request and record faults.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "tests/support/command.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/http_fetch.hpp"
#include "tests/support/mock_crm_child.hpp"

namespace tixsync::testing {
namespace {

using nlohmann::json;

/// A HubSpot-shaped mock started with `args` (plus --flavor hubspot --port 0) and the static
/// token "hs-token" (from HS_TOKEN), with short-hands for authorised requests.
class hubspot_mock {
 public:
  explicit hubspot_mock(std::vector<std::string> args = {}) : child_(with_defaults(args)) {}
  int port() const { return child_.port(); }
  fetch_response call(const std::string& method, const std::string& target,
                      const json& body = nullptr, const std::string& token = "hs-token",
                      http_headers headers = {}) const {
    headers.emplace_back("Authorization", "Bearer " + token);
    headers.emplace_back("Content-Type", "application/json");
    return fetch(method, port(), target, body.is_null() ? "" : body.dump(), headers);
  }
  json get(const std::string& target) const { return child_.get(target); }

 private:
  static std::vector<std::string> with_defaults(std::vector<std::string> args) {
    setenv("HS_TOKEN", "hs-token", 1);
    setenv("HS_CLIENT_SECRET", "client-secret", 1);
    std::vector<std::string> all{"--flavor", "hubspot", "--port", "0", "--token-env", "HS_TOKEN"};
    all.insert(all.end(), args.begin(), args.end());
    return all;
  }
  mock_crm_child child_;
};

json body_of(const fetch_response& r) {
  return json::parse(r.body, nullptr, false);
}

json contact_input(const std::string& email, const std::string& trace = "") {
  json input{{"properties", {{"email", email}, {"firstname", "F"}}}};
  if (!trace.empty()) input["objectWriteTraceId"] = trace;
  return input;
}

TEST(HubSpotMock, CreatesGetsAndPatchesObjectsWithHubSpotShapes) {
  hubspot_mock crm;
  ASSERT_GT(crm.port(), 0);
  auto created = crm.call("POST", "/crm/v3/objects/contacts",
                          {{"properties", {{"email", "ann@example.com"}, {"firstname", "Ann"}}}});
  ASSERT_EQ(created.status, 201) << created.body;
  const auto c = body_of(created);
  const auto id = c["id"].get<std::string>();
  EXPECT_EQ(c["properties"]["firstname"], "Ann");
  EXPECT_EQ(c["archived"], false);
  EXPECT_TRUE(c.contains("createdAt") && c.contains("updatedAt"));

  auto by_id = crm.call("GET", "/crm/v3/objects/contacts/" + id + "?properties=email");
  ASSERT_EQ(by_id.status, 200);
  EXPECT_EQ(body_of(by_id)["properties"]["email"], "ann@example.com");
  EXPECT_FALSE(body_of(by_id)["properties"].contains("firstname"));

  auto patched = crm.call("PATCH", "/crm/v3/objects/contacts/ann%40example.com?idProperty=email",
                          {{"properties", {{"firstname", "Anne"}}}});
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(body_of(patched)["id"], id);
  auto by_email = crm.call("GET", "/crm/v3/objects/contacts/ann%40example.com?idProperty=email");
  EXPECT_EQ(body_of(by_email)["properties"]["firstname"], "Anne");

  for (const auto& [method, target] : std::vector<std::pair<std::string, std::string>>{
           {"GET", "/crm/v3/objects/contacts/999"}, {"PATCH", "/crm/v3/objects/deals/" + id}}) {
    auto missing = crm.call(method, target, {{"properties", json::object()}});
    EXPECT_EQ(missing.status, 404) << target;
    EXPECT_EQ(body_of(missing)["status"], "error");
    EXPECT_EQ(body_of(missing)["category"], "OBJECT_NOT_FOUND");
    EXPECT_TRUE(body_of(missing).contains("correlationId"));
  }
}

TEST(HubSpotMock, ATakenUniqueValueAnswers409WithTheExistingId) {
  hubspot_mock crm({"--unique", "tickets:tixsync_id"});
  const auto first = body_of(crm.call("POST", "/crm/v3/objects/contacts", contact_input("a@x.io")));
  auto again = crm.call("POST", "/crm/v3/objects/contacts", contact_input("A@X.io"));
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(body_of(again)["category"], "CONFLICT");
  EXPECT_EQ(body_of(again)["message"],
            "Contact already exists. Existing ID: " + first["id"].get<std::string>());

  const json ticket{{"properties", {{"tixsync_id", "o1-p1"}}}};
  EXPECT_EQ(crm.call("POST", "/crm/v3/objects/tickets", ticket).status, 201);
  auto twice = crm.call("POST", "/crm/v3/objects/tickets", ticket);
  EXPECT_EQ(twice.status, 409);
  EXPECT_NE(body_of(twice)["message"].get<std::string>().find("already exists. Existing ID: "),
            std::string::npos);
  EXPECT_EQ(crm.get("/_mock/dump")["tickets"].size(), 1u);
}

TEST(HubSpotMock, BatchReadAnswers207NamingTheMissingIds) {
  hubspot_mock crm;
  const auto a = body_of(crm.call("POST", "/crm/v3/objects/contacts", contact_input("a@x.io")));
  const json all{{"inputs", {{{"id", a["id"]}}}}, {"properties", {"email"}}};
  auto complete = crm.call("POST", "/crm/v3/objects/contacts/batch/read", all);
  ASSERT_EQ(complete.status, 200) << complete.body;
  EXPECT_EQ(body_of(complete)["status"], "COMPLETE");
  EXPECT_EQ(body_of(complete)["results"][0]["properties"]["email"], "a@x.io");

  const json some{{"idProperty", "email"},
                  {"inputs", {{{"id", "a@x.io"}}, {{"id", "no@x.io"}}, {{"id", "nil@x.io"}}}}};
  auto partial = crm.call("POST", "/crm/v3/objects/contacts/batch/read", some);
  ASSERT_EQ(partial.status, 207) << partial.body;
  const auto p = body_of(partial);
  EXPECT_EQ(p["results"].size(), 1u);
  EXPECT_EQ(p["numErrors"], 1);
  EXPECT_EQ(p["errors"][0]["category"], "OBJECT_NOT_FOUND");
  EXPECT_EQ(p["errors"][0]["context"]["ids"], json({"no@x.io", "nil@x.io"}));
}

TEST(HubSpotMock, BatchWritesAnswer207ForFailingRecordsAndWriteTheOthers) {
  hubspot_mock crm({"--unique", "tickets:tixsync_id"});
  crm.call("POST", "/crm/v3/objects/contacts", contact_input("taken@x.io"));
  const json create{{"inputs",
                     {contact_input("one@x.io", "t1"), contact_input("taken@x.io", "t2"),
                      contact_input("__fail__", "t3"), contact_input("two@x.io", "t4")}}};
  auto created = crm.call("POST", "/crm/v3/objects/contacts/batch/create", create);
  ASSERT_EQ(created.status, 207) << created.body;
  const auto c = body_of(created);
  ASSERT_EQ(c["results"].size(), 2u);
  // Results are not in input order: the mock reverses them.
  EXPECT_EQ(c["results"][0]["properties"]["email"], "two@x.io");
  EXPECT_EQ(c["results"][1]["properties"]["email"], "one@x.io");
  EXPECT_EQ(c["numErrors"], 2);
  std::set<std::string> failed;
  for (const auto& e : c["errors"]) {
    EXPECT_EQ(e["status"], "error");
    EXPECT_TRUE(e.contains("message") && e.contains("category"));
    failed.insert(e["context"]["objectWriteTraceId"][0].get<std::string>());
  }
  EXPECT_EQ(failed, std::set<std::string>({"t2", "t3"}));
  EXPECT_EQ(crm.get("/_mock/dump")["contacts"].size(), 3u);

  const auto one = c["results"][1]["id"];
  const json update{{"inputs",
                     {{{"id", one}, {"properties", {{"lastname", "L"}}}},
                      {{"id", "424242"}, {"properties", {{"lastname", "L"}}}}}}};
  auto updated = crm.call("POST", "/crm/v3/objects/contacts/batch/update", update);
  ASSERT_EQ(updated.status, 207) << updated.body;
  EXPECT_EQ(body_of(updated)["results"][0]["properties"]["lastname"], "L");
  EXPECT_EQ(body_of(updated)["errors"][0]["category"], "OBJECT_NOT_FOUND");
  EXPECT_EQ(body_of(updated)["errors"][0]["context"]["ids"], json({"424242"}));

  const json upsert{
      {"inputs",
       {{{"id", "o1-p1"}, {"idProperty", "tixsync_id"}, {"properties", {{"a", "1"}}}},
        {{"id", "o1-p2"}, {"idProperty", "tixsync_id"}, {"properties", {{"a", "2"}}}}}}};
  auto first = crm.call("POST", "/crm/v3/objects/tickets/batch/upsert", upsert);
  ASSERT_EQ(first.status, 200) << first.body;
  for (const auto& r : body_of(first)["results"]) EXPECT_EQ(r["new"], true);
  auto second = crm.call("POST", "/crm/v3/objects/tickets/batch/upsert", upsert);
  for (const auto& r : body_of(second)["results"]) EXPECT_EQ(r["new"], false);
  EXPECT_EQ(crm.get("/_mock/dump")["tickets"].size(), 2u);
}

TEST(HubSpotMock, AnUpsertInputWithAssociationsFailsAloneAndWritesNothing) {
  // HubSpot's batch/upsert input is id, idProperty, properties and objectWriteTraceId: it does
  // not write associations, so the stand-in refuses an input that carries them.
  hubspot_mock crm({"--unique", "tickets:tixsync_id"});
  const json association{
      {"to", {{"id", "901"}}},
      {"types", {{{"associationCategory", "USER_DEFINED"}, {"associationTypeId", 25}}}}};
  const json upsert{
      {"inputs",
       {{{"id", "o1-p1"},
         {"idProperty", "tixsync_id"},
         {"properties", {{"a", "1"}}},
         {"associations", {association}}},
        {{"id", "o1-p2"}, {"idProperty", "tixsync_id"}, {"properties", {{"a", "2"}}}}}}};
  auto answer = crm.call("POST", "/crm/v3/objects/tickets/batch/upsert", upsert);
  ASSERT_EQ(answer.status, 207) << answer.body;
  const auto body = body_of(answer);
  ASSERT_EQ(body["results"].size(), 1u);
  EXPECT_EQ(body["results"][0]["properties"]["tixsync_id"], "o1-p2");
  ASSERT_EQ(body["errors"].size(), 1u);
  EXPECT_EQ(body["errors"][0]["category"], "VALIDATION_ERROR");
  EXPECT_EQ(body["errors"][0]["context"]["ids"], json({"o1-p1"}));
  EXPECT_NE(body["errors"][0]["message"].get<std::string>().find("takes no associations"),
            std::string::npos);
  const json dump = crm.get("/_mock/dump");
  ASSERT_EQ(dump["tickets"].size(), 1u);
  EXPECT_EQ(dump["tickets"][0]["associations"].size(), 0u);
}

TEST(HubSpotMock, BatchesTakeAtMostAHundredInputs) {
  hubspot_mock crm;
  json inputs = json::array();
  for (int i = 0; i < 101; ++i) inputs.push_back(contact_input("c" + std::to_string(i) + "@x.io"));
  auto refused = crm.call("POST", "/crm/v3/objects/contacts/batch/create", {{"inputs", inputs}});
  EXPECT_EQ(refused.status, 400);
  EXPECT_EQ(body_of(refused)["category"], "VALIDATION_ERROR");
  EXPECT_FALSE(crm.get("/_mock/dump").contains("contacts"));

  inputs.erase(inputs.end() - 1);
  auto taken = crm.call("POST", "/crm/v3/objects/contacts/batch/create", {{"inputs", inputs}});
  EXPECT_EQ(taken.status, 201) << taken.body;
  EXPECT_EQ(body_of(taken)["results"].size(), 100u);
  const auto stats = crm.get("/_mock/stats");
  EXPECT_EQ(stats["max_inputs_per_call"], 101);
  EXPECT_EQ(stats["records_written"], 100);
  EXPECT_EQ(stats["requests"]["by_kind"]["batch_create"], 2);
}

TEST(HubSpotMock, SearchFiltersAndPages) {
  hubspot_mock crm;
  for (int i = 0; i < 5; ++i) {
    json input = contact_input("s" + std::to_string(i) + "@x.io");
    input["properties"]["group"] = i < 3 ? "a" : "b";
    crm.call("POST", "/crm/v3/objects/contacts", input);
  }
  const json eq{
      {"filterGroups",
       {{{"filters", {{{"propertyName", "group"}, {"operator", "EQ"}, {"value", "a"}}}}}}},
      {"properties", {"email"}},
      {"limit", 2}};
  auto page = body_of(crm.call("POST", "/crm/v3/objects/contacts/search", eq));
  EXPECT_EQ(page["total"], 3);
  EXPECT_EQ(page["results"].size(), 2u);
  ASSERT_TRUE(page.contains("paging")) << page;
  auto next = eq;
  next["after"] = page["paging"]["next"]["after"];
  auto last = body_of(crm.call("POST", "/crm/v3/objects/contacts/search", next));
  EXPECT_EQ(last["results"].size(), 1u);
  EXPECT_FALSE(last.contains("paging"));

  const json in{{"filterGroups",
                 {{{"filters",
                    {{{"propertyName", "email"},
                      {"operator", "IN"},
                      {"values", {"s0@x.io", "s4@x.io", "none@x.io"}}}}}}}}};
  EXPECT_EQ(body_of(crm.call("POST", "/crm/v3/objects/contacts/search", in))["total"], 2);
  const json bad{
      {"filterGroups", {{{"filters", {{{"propertyName", "email"}, {"operator", "LIKE"}}}}}}}};
  EXPECT_EQ(crm.call("POST", "/crm/v3/objects/contacts/search", bad).status, 400);
  auto wrong_type = crm.call("POST", "/crm/v3/objects/contacts/search", {{"limit", "ten"}});
  EXPECT_EQ(wrong_type.status, 400);
  EXPECT_EQ(body_of(wrong_type)["category"], "VALIDATION_ERROR");
}

TEST(HubSpotMock, AssociationsFromCreateAndV4AreStoredAndReadBack) {
  hubspot_mock crm;
  const auto contact =
      body_of(crm.call("POST", "/crm/v3/objects/contacts", contact_input("a@x.io")))["id"];
  const json deal{
      {"properties", {{"dealname", "Order 1"}}},
      {"associations",
       {{{"to", {{"id", contact}}},
         {"types", {{{"associationCategory", "HUBSPOT_DEFINED"}, {"associationTypeId", 3}}}}}}}};
  auto created = crm.call("POST", "/crm/v3/objects/deals", deal);
  ASSERT_EQ(created.status, 201) << created.body;
  const auto deal_id = body_of(created)["id"].get<std::string>();
  auto ticket =
      body_of(crm.call("POST", "/crm/v3/objects/tickets", {{"properties", json::object()}}));
  const auto ticket_id = ticket["id"].get<std::string>();
  auto put = crm.call("PUT", "/crm/v4/objects/tickets/" + ticket_id +
                                 "/associations/default/contacts/" + contact.get<std::string>());
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(body_of(put)["results"][0]["associationSpec"]["associationTypeId"], 16);

  auto read = body_of(crm.call(
      "GET", "/crm/v4/objects/contacts/" + contact.get<std::string>() + "/associations/deals"));
  ASSERT_EQ(read["results"].size(), 1u) << read;
  EXPECT_EQ(read["results"][0]["toObjectId"], std::stoull(deal_id));
  EXPECT_EQ(read["results"][0]["associationTypes"][0]["typeId"], 3);
  const auto dump = crm.get("/_mock/dump");
  EXPECT_EQ(dump["deals"][0]["associations"][0]["toObjectId"], contact);
  EXPECT_EQ(dump["tickets"][0]["associations"][0]["toObjectType"], "contacts");

  EXPECT_EQ(
      crm.call("PUT", "/crm/v4/objects/tickets/" + ticket_id + "/associations/default/contacts/999")
          .status,
      404);
  const json to_nothing{{"properties", json::object()},
                        {"associations", {{{"to", {{"id", "999"}}}, {"types", json::array()}}}}};
  EXPECT_EQ(crm.call("POST", "/crm/v3/objects/deals", to_nothing).status, 400);
  const json untyped{
      {"properties", json::object()},
      {"associations", {{{"to", {{"id", contact}}}, {"types", {{{"associationTypeId", "3"}}}}}}}};
  EXPECT_EQ(crm.call("POST", "/crm/v3/objects/deals", untyped).status, 400);
  EXPECT_EQ(crm.get("/_mock/dump")["deals"].size(), 1u);
}

TEST(HubSpotMock, The191stRequestInTheWindowGets429WithHubSpotsHeaders) {
  hubspot_mock crm({"--rate-window-ms", "5000", "--ratelimit-headers", "both"});
  http_test_connection connection(crm.port());
  const http_headers auth{{"Authorization", "Bearer hs-token"}};
  std::vector<int> statuses;
  fetch_response last_allowed, first_refused;
  for (int i = 0; i < 195; ++i) {  // bounded: 195 requests, each with the fetch timeout
    auto r = connection.request("GET", "/crm/v3/objects/contacts/1", "", auth);
    statuses.push_back(r.status);
    if (r.status != 429) last_allowed = r;
    if (r.status == 429 && first_refused.status == 0) first_refused = r;
  }
  for (int i = 0; i < 190; ++i) EXPECT_EQ(statuses[i], 404) << "request " << i + 1;
  for (int i = 190; i < 195; ++i) EXPECT_EQ(statuses[i], 429) << "request " << i + 1;
  EXPECT_EQ(last_allowed.header("X-HubSpot-RateLimit-Max"), "190");
  EXPECT_EQ(last_allowed.header("X-HubSpot-RateLimit-Remaining"), "0");
  EXPECT_EQ(last_allowed.header("X-HubSpot-RateLimit-Interval-Milliseconds"), "5000");
  EXPECT_TRUE(last_allowed.header("X-HubSpot-RateLimit-Daily-Remaining"));
  EXPECT_TRUE(last_allowed.header("X-HubSpot-RateLimit-Secondly"));
  EXPECT_EQ(last_allowed.header("RateLimit-Policy"), "\"burst\";q=190;w=5");
  EXPECT_EQ(last_allowed.header("RateLimit")->rfind("\"burst\";r=0;t=", 0), 0u);
  const auto refused = body_of(first_refused);
  EXPECT_EQ(refused["errorType"], "RATE_LIMIT");
  EXPECT_EQ(refused["policyName"], "TEN_SECONDLY_ROLLING");
  EXPECT_TRUE(first_refused.header("Retry-After"));
  EXPECT_EQ(first_refused.header("X-HubSpot-RateLimit-Remaining"), "0");
  EXPECT_EQ(crm.get("/_mock/stats")["rate_limited"], 5);
  // The quota comes back when the window has passed.
  EXPECT_TRUE(
      eventually([&] { return crm.call("GET", "/crm/v3/objects/contacts/1").status == 404; },
                 std::chrono::seconds(30), std::chrono::milliseconds(200)));
}

TEST(HubSpotMock, SearchHasItsOwnLowerLimit) {
  hubspot_mock crm({"--search-rate-limit", "3", "--ratelimit-headers", "ietf"});
  const json all{{"filterGroups", json::array()}};
  for (int i = 0; i < 3; ++i) {
    auto r = crm.call("POST", "/crm/v3/objects/contacts/search", all);
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_TRUE(r.header("RateLimit-Policy"));
    EXPECT_FALSE(r.header("X-HubSpot-RateLimit-Max"));
  }
  fetch_response refused;
  for (int i = 0; i < 50 && refused.status != 429; ++i) {
    refused = crm.call("POST", "/crm/v3/objects/contacts/search", all);
  }
  ASSERT_EQ(refused.status, 429);
  EXPECT_EQ(body_of(refused)["policyName"], "SECONDLY");
  // The general quota is untouched by searches.
  EXPECT_EQ(crm.call("GET", "/crm/v3/objects/contacts/1").status, 404);
  EXPECT_GE(crm.get("/_mock/stats")["search_rate_limited"], 1);
}

TEST(HubSpotMock, OAuthTokensWorkUntilTheyExpire) {
  hubspot_mock crm(
      {"--client-id", "app", "--client-secret-env", "HS_CLIENT_SECRET", "--token-ttl", "1"});
  const http_headers form{{"Content-Type", "application/x-www-form-urlencoded"}};
  const auto token = [&](const std::string& fields) {
    return fetch("POST", crm.port(), "/oauth/v1/token", fields, form);
  };
  auto issued = token("grant_type=client_credentials&client_id=app&client_secret=client-secret");
  ASSERT_EQ(issued.status, 200) << issued.body;
  const auto access = body_of(issued)["access_token"].get<std::string>();
  EXPECT_EQ(body_of(issued)["expires_in"], 1);
  EXPECT_EQ(body_of(issued)["token_type"], "bearer");
  EXPECT_EQ(crm.call("GET", "/crm/v3/objects/contacts/1", nullptr, access).status, 404);
  fetch_response expired;
  EXPECT_TRUE(eventually(
      [&] {
        expired = crm.call("GET", "/crm/v3/objects/contacts/1", nullptr, access);
        return expired.status == 401;
      },
      std::chrono::seconds(20), std::chrono::milliseconds(100)));
  EXPECT_EQ(body_of(expired)["category"], "EXPIRED_AUTHENTICATION");

  auto unknown = crm.call("GET", "/crm/v3/objects/contacts/1", nullptr, "made-up");
  EXPECT_EQ(unknown.status, 401);
  EXPECT_EQ(body_of(unknown)["category"], "INVALID_AUTHENTICATION");
  EXPECT_EQ(crm.call("GET", "/crm/v3/objects/contacts/1").status, 404);  // the static token

  auto code =
      token("grant_type=authorization_code&code=c1&client_id=app&client_secret=client-secret");
  const auto refresh = body_of(code)["refresh_token"].get<std::string>();
  auto refreshed = token("grant_type=refresh_token&refresh_token=" + refresh +
                         "&client_id=app&client_secret=client-secret");
  ASSERT_EQ(refreshed.status, 200) << refreshed.body;
  const auto fresh = body_of(refreshed)["access_token"].get<std::string>();
  EXPECT_EQ(crm.call("GET", "/crm/v3/objects/contacts/1", nullptr, fresh).status, 404);

  EXPECT_EQ(body_of(token("grant_type=refresh_token&refresh_token=nope&client_id=app&"
                          "client_secret=client-secret"))["status"],
            "BAD_REFRESH_TOKEN");
  EXPECT_EQ(body_of(token("grant_type=client_credentials&client_id=app&client_secret=x"))["status"],
            "BAD_CLIENT_SECRET");
  EXPECT_EQ(token("grant_type=client_credentials&client_id=other&client_secret=x").status, 400);
  EXPECT_GE(crm.get("/_mock/stats")["unauthorized"], 2);
}

TEST(HubSpotMock, AnIdempotencyKeyReplaysTheFirstAnswerWhenHonoured) {
  hubspot_mock honouring({"--honour-idempotency-key"});
  const http_headers key{{"Idempotency-Key", "order-1-contact"}};
  auto first =
      honouring.call("POST", "/crm/v3/objects/contacts", contact_input("k@x.io"), "hs-token", key);
  auto again =
      honouring.call("POST", "/crm/v3/objects/contacts", contact_input("k@x.io"), "hs-token", key);
  EXPECT_EQ(first.status, 201);
  EXPECT_EQ(again.status, 201);
  EXPECT_EQ(body_of(again)["id"], body_of(first)["id"]);
  const json batch{{"inputs", {contact_input("b@x.io")}}};
  const http_headers batch_key{{"Idempotency-Key", "batch-1"}};
  honouring.call("POST", "/crm/v3/objects/contacts/batch/create", batch, "hs-token", batch_key);
  auto replay =
      honouring.call("POST", "/crm/v3/objects/contacts/batch/create", batch, "hs-token", batch_key);
  EXPECT_EQ(replay.status, 201) << replay.body;
  EXPECT_EQ(honouring.get("/_mock/dump")["contacts"].size(), 2u);
  EXPECT_EQ(honouring.get("/_mock/stats")["idempotent_replays"], 2);

  hubspot_mock ignoring;
  ignoring.call("POST", "/crm/v3/objects/contacts", contact_input("k@x.io"), "hs-token", key);
  auto conflict =
      ignoring.call("POST", "/crm/v3/objects/contacts", contact_input("k@x.io"), "hs-token", key);
  EXPECT_EQ(conflict.status, 409);
}

TEST(HubSpotMock, FaultsHitTheCrmEndpointsAndRecordsFailOnTheirOwn) {
  hubspot_mock crm({"--record-fail-rate", "1"});
  const json batch{{"inputs", {contact_input("a@x.io", "t1"), contact_input("b@x.io", "t2")}}};
  auto all_fail = crm.call("POST", "/crm/v3/objects/contacts/batch/create", batch);
  EXPECT_EQ(all_fail.status, 207);
  EXPECT_EQ(body_of(all_fail)["numErrors"], 2);
  EXPECT_EQ(crm.get("/_mock/stats")["record_errors"], 2);

  const auto faults = [&](const json& settings) {
    return fetch("POST", crm.port(), "/_mock/faults", settings.dump()).status;
  };
  ASSERT_EQ(faults({{"fail_rate", 1.0}}), 200);
  EXPECT_EQ(crm.call("GET", "/crm/v3/objects/contacts/1").status, 503);
  EXPECT_EQ(fetch("GET", crm.port(), "/_mock/stats").status, 200);
  ASSERT_EQ(faults({{"fail_rate", 0.0}, {"rate_limit_rate", 1.0}, {"retry_after", "3"}}), 200);
  auto limited = crm.call("GET", "/crm/v3/objects/contacts/1");
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(body_of(limited)["errorType"], "RATE_LIMIT");
  EXPECT_EQ(limited.header("Retry-After"), "3");
  ASSERT_EQ(faults({{"rate_limit_rate", 0.0}, {"close_rate", 1.0}}), 200);
  auto closed = crm.call("GET", "/crm/v3/objects/contacts/1");
  EXPECT_EQ(closed.status, 0) << closed.body;
  ASSERT_EQ(faults({{"close_rate", 0.0}, {"latency_ms", 50}}), 200);
  EXPECT_EQ(crm.call("GET", "/crm/v3/objects/contacts/1").status, 404);
  EXPECT_GE(crm.get("/_mock/stats")["faults_injected"]["delayed"], 1);
}

TEST(HubSpotMockCommand, ExplainsTheFlavorAndRefusesMisplacedOptions) {
  auto help = run_tixsync({"mock-crm", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("--flavor"), std::string::npos);
  EXPECT_NE(help.out.find("/crm/v3/objects/{type}/batch/read"), std::string::npos);
  auto generic = run_tixsync({"mock-crm", "--port", "0", "--rate-limit", "5"});
  EXPECT_EQ(generic.exit_code, 2);
  EXPECT_NE(generic.err.find("--rate-limit needs --flavor hubspot"), std::string::npos)
      << generic.err;
  auto unique = run_tixsync({"mock-crm", "--flavor", "hubspot", "--port", "0", "--unique", "x"});
  EXPECT_EQ(unique.exit_code, 2);
  EXPECT_NE(unique.err.find("--unique x: expected TYPE:PROPERTY"), std::string::npos) << unique.err;
  auto headers =
      run_tixsync({"mock-crm", "--flavor", "hubspot", "--port", "0", "--ratelimit-headers", "x"});
  EXPECT_EQ(headers.exit_code, 2);
  auto half = run_tixsync({"mock-crm", "--flavor", "hubspot", "--port", "0", "--client-id", "a"});
  EXPECT_EQ(half.exit_code, 2);
  EXPECT_NE(half.err.find("client secret"), std::string::npos) << half.err;
}

}  // namespace
}  // namespace tixsync::testing
