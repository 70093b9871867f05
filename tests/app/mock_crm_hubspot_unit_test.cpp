// Unit tests of the HubSpot-shaped mock CRM's pure pieces: the record store (unique values,
// upsert, search operators, associations in both directions), the rolling quota and its headers
// with an injected clock, and the OAuth token registry's expiry.
#include <gtest/gtest.h>

#include "app/mock_crm_hubspot_limits.hpp"
#include "app/mock_crm_hubspot_store.hpp"

namespace tixsync::app {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

TEST(HubSpotStore, RefusesATakenUniqueValueAndNamesTheHolder) {
  hubspot_store store;
  auto first = store.create("contacts", {{"email", "A@x.io"}});
  ASSERT_TRUE(first.record);
  auto second = store.create("0-1", {{"email", "a@X.io"}});
  EXPECT_FALSE(second.record);
  EXPECT_EQ(second.error.status, 409);
  EXPECT_EQ(second.error.message,
            "Contact already exists. Existing ID: " + (*first.record)["id"].get<std::string>());
  auto other = store.create("contacts", {{"email", "b@x.io"}});
  auto taken = store.update("contacts", (*other.record)["id"], "", {{"email", "a@x.io"}});
  EXPECT_EQ(taken.error.category, "CONFLICT");
  EXPECT_TRUE(store.update("contacts", "b@x.io", "email", {{"n", 3}}).record);
  EXPECT_EQ((*store.find("contacts", "b@x.io", "email"))["properties"]["n"], "3");
}

TEST(HubSpotStore, UpsertsByAUniquePropertyOnly) {
  hubspot_store store;
  store.add_unique("tickets", "tixsync_id");
  auto created = store.upsert("tickets", "k1", "tixsync_id", {{"a", "1"}});
  ASSERT_TRUE(created.record);
  EXPECT_TRUE(created.created);
  auto updated = store.upsert("tickets", "k1", "tixsync_id", {{"a", "2"}});
  EXPECT_FALSE(updated.created);
  EXPECT_EQ((*updated.record)["id"], (*created.record)["id"]);
  EXPECT_EQ(store.upsert("tickets", "k1", "subject", {}).error.category, "VALIDATION_ERROR");
  EXPECT_EQ(store.counts()["tickets"], 1);
}

TEST(HubSpotStore, SearchesWithFilterGroups) {
  hubspot_store store;
  store.create("deals", {{"stage", "won"}, {"n", "1"}});
  store.create("deals", {{"stage", "lost"}, {"n", "2"}});
  store.create("deals", {{"n", "3"}});
  hubspot_error error;
  const json groups{
      {{"filters", {{{"propertyName", "stage"}, {"operator", "EQ"}, {"value", "WON"}}}}},
      {{"filters", {{{"propertyName", "stage"}, {"operator", "NOT_HAS_PROPERTY"}}}}}};
  EXPECT_EQ(store.search("deals", groups, error).size(), 2u);
  const json not_in{
      {{"filters", {{{"propertyName", "n"}, {"operator", "NOT_IN"}, {"values", {"1", "2"}}}}}}};
  EXPECT_EQ(store.search("deals", not_in, error).size(), 1u);
  EXPECT_EQ(error.status, 0);
  store.search("deals", json{{{"filters", {{{"propertyName", "n"}, {"operator", "GT"}}}}}}, error);
  EXPECT_EQ(error.status, 400);
}

TEST(HubSpotStore, AssociationsReadFromBothSides) {
  hubspot_store store;
  const auto contact = (*store.create("contacts", {{"email", "a@x.io"}}).record)["id"];
  const json to_contact{{{"to", {{"id", contact}}}, {"types", json::array()}}};
  const auto deal = (*store.create("deals", json::object(), to_contact).record)["id"];
  const auto from_contact = *store.associations("contacts", contact, "deals");
  ASSERT_EQ(from_contact.size(), 1u);
  EXPECT_EQ(from_contact[0]["associationTypes"][0]["typeId"], 3);  // deal -> contact default
  EXPECT_EQ((*store.associations("deals", deal, "contacts")).size(), 1u);
  EXPECT_FALSE(store.associations("deals", "999", "contacts"));
  EXPECT_TRUE(store.associate("contacts", contact, "deals", deal, {"HUBSPOT_DEFINED", 4}) ==
              std::nullopt);
  EXPECT_EQ(store.associate("contacts", contact, "deals", "999", {})->status, 404);
}

TEST(RollingQuota, RefusesBeyondTheWindowAndRecovers) {
  rolling_quota quota(3, milliseconds(1000), 100);
  const auto t0 = hubspot_clock::now();
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(quota.take("k", t0 + milliseconds(i)).allowed);
  auto refused = quota.take("k", t0 + milliseconds(10));
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.remaining, 0);
  EXPECT_EQ(refused.reset, milliseconds(990));
  EXPECT_TRUE(quota.take("other", t0 + milliseconds(10)).allowed);
  EXPECT_TRUE(quota.take("k", t0 + milliseconds(1000)).allowed);  // the first one left
  EXPECT_EQ(quota.peek("k", t0 + milliseconds(1000)).daily_remaining, 96);
}

TEST(RollingQuota, AnnouncesItselfInTheChosenHeaders) {
  quota_verdict v;
  v.max = 190;
  v.remaining = 7;
  v.window = milliseconds(10000);
  v.reset = milliseconds(2500);
  v.secondly = 19;
  const auto hubspot = ratelimit_header_list(v, ratelimit_headers::hubspot);
  EXPECT_EQ(hubspot.size(), 7u);
  EXPECT_EQ(hubspot[1],
            std::make_pair(std::string("X-HubSpot-RateLimit-Remaining"), std::string("7")));
  const auto ietf = ratelimit_header_list(v, ratelimit_headers::ietf);
  ASSERT_EQ(ietf.size(), 2u);
  EXPECT_EQ(ietf[0].second, "\"burst\";q=190;w=10");
  EXPECT_EQ(ietf[1].second, "\"burst\";r=7;t=3");
  EXPECT_EQ(ratelimit_header_list(v, ratelimit_headers::both).size(), 9u);
  EXPECT_FALSE(parse_ratelimit_headers("HubSpot"));
}

TEST(TokenRegistry, IssuedTokensExpireAfterTheirTtl) {
  token_registry tokens("static", milliseconds(500), 1);
  const auto t0 = hubspot_clock::now();
  const auto access = tokens.issue_access(t0);
  EXPECT_EQ(tokens.check(access, t0 + milliseconds(499)), token_state::valid);
  milliseconds ago{0};
  EXPECT_EQ(tokens.check(access, t0 + milliseconds(2500), &ago), token_state::expired);
  EXPECT_EQ(ago, milliseconds(2000));
  EXPECT_EQ(tokens.check("static", t0 + std::chrono::hours(100)), token_state::valid);
  EXPECT_EQ(tokens.check("statiC", t0), token_state::unknown);
  EXPECT_TRUE(tokens.known_refresh(tokens.issue_refresh()));
  EXPECT_FALSE(tokens.known_refresh("rt-x"));
}

}  // namespace
}  // namespace tixsync::app
