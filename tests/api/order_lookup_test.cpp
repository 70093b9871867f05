// The lookup of an order by its code alone (GET /api/v1/orders?code=CODE): it finds the order in
// every event whose snapshots Redis holds, needs the read (or API) token, and answers 404 for an
// unknown code and 400 for a missing or malformed one.
#include "tests/api/node_api_fixture.hpp"

namespace tixsync::api::testing {
namespace {

class order_lookup_test : public node_api_test {};

TEST_F(order_lookup_test, finds_an_order_by_code_alone_in_every_event) {
  auto order = nlohmann::json::parse(orders()[0]);
  const std::string code = order["code"];
  ASSERT_EQ(post(order_path(), orders()[0]).status, 202);
  auto one = get("/api/v1/orders?code=" + code, read_token);
  ASSERT_EQ(one.status, 200) << one.body;
  auto found = json_of(one);
  EXPECT_EQ(found["order"], code);
  ASSERT_EQ(found["matches"].size(), 1u) << found.dump();
  EXPECT_EQ(found["matches"][0]["event"], "nordlicht/ndd25");
  EXPECT_EQ(found["matches"][0]["providers"][0]["provider"], "crm");
  EXPECT_EQ(found["matches"][0]["providers"][0]["items"][0]["state"], "due");

  // The same code in another event of the organizer: both are found, in event order.
  order["event"] = "ndd26";
  ASSERT_EQ(post("/api/v1/events/nordlicht/ndd26/orders", order.dump()).status, 202);
  auto both = json_of(get("/api/v1/orders?code=" + code));
  ASSERT_EQ(both["matches"].size(), 2u) << both.dump();
  EXPECT_EQ(both["matches"][0]["event"], "nordlicht/ndd25");
  EXPECT_EQ(both["matches"][1]["event"], "nordlicht/ndd26");
}

TEST_F(order_lookup_test, unknown_missing_and_bad_codes) {
  ASSERT_EQ(post(order_path(), orders()[0]).status, 202);
  auto missing = get("/api/v1/orders?code=NOSUCH9");
  EXPECT_EQ(missing.status, 404) << missing.body;
  EXPECT_NE(missing.body.find("no provider knows order NOSUCH9"), std::string::npos);
  auto none = get("/api/v1/orders");
  EXPECT_EQ(none.status, 400);
  EXPECT_NE(none.body.find("query parameter code"), std::string::npos) << none.body;
  EXPECT_EQ(get("/api/v1/orders?code=bad%20code").status, 400);
  EXPECT_EQ(get("/api/v1/orders?code=NOSUCH9", "").status, 401);
}

}  // namespace
}  // namespace tixsync::api::testing
