// Bad input to the node API never crashes it and never changes the queue: malformed, truncated,
// deeply nested, wrongly typed JSON and random bytes to the enqueue, event and webhook
// endpoints get a clear 400; a body over the limit gets 413; a slow client is cut off while
// others are served.
#include <random>

#include "api/node_api.hpp"
#include "tests/api/node_api_fixture.hpp"

namespace tixsync::api::testing {
namespace {

const char* const endpoints[] = {"/api/v1/events/nordlicht/ndd25/orders", "/api/v1/events/nordlicht/ndd25",
                                 "/webhooks/pretix", "/api/v1/jobs/retry", "/api/v1/jobs/cancel",
                                 "/api/v1/resync"};

TEST_F(node_api_test, malformed_json_gets_a_clear_400_and_changes_nothing) {
  const std::string order = orders()[0];
  std::vector<std::string> bodies = {
      "", "{", "[1,2", "not json", "\"just a string\"", "42", "null", "[]", "{\"code\": 5}",
      "1e999", "{\"code\": 1e999}",                          // numbers too large for a double
      order.substr(0, order.size() / 2),                      // truncated
      std::string(500, '[') + std::string(500, ']'),          // deeply nested
      std::string(100000, '{'),                               // deeply nested, unterminated
      R"({"code":"K3ZPA","event":"ndd25","positions":"many"})",  // wrong type
      "{\"code\":\"K3\xff\xfeZPA\"}",                          // invalid UTF-8
  };
  std::mt19937 random(12345);
  for (int i = 0; i < 20; ++i) {
    std::string bytes(1 + random() % 300, '\0');
    for (auto& c : bytes) c = static_cast<char>(random() % 256);
    bodies.push_back(bytes);
  }
  for (const char* target : endpoints) {
    for (const auto& body : bodies) {
      auto r = post(target, body);
      SCOPED_TRACE(std::string(target) + " <- " + body.substr(0, 40));
      EXPECT_EQ(r.status, 400) << r.body;
      auto error = json_of(r);
      ASSERT_TRUE(error.is_object()) << r.body;
      EXPECT_EQ(error["error"]["status"], 400);
      EXPECT_FALSE(error["error"]["message"].get<std::string>().empty());
    }
  }
  EXPECT_EQ(queued("crm"), 0);
  EXPECT_EQ(queued("diet"), 0);
  EXPECT_EQ(get("/healthz").status, 200);
}

TEST_F(node_api_test, errors_name_what_and_where) {
  auto wrong_type = post(order_path(), R"({"code":"K3ZPA","event":"ndd25","positions":"many"})");
  EXPECT_NE(json_of(wrong_type)["error"]["message"].get<std::string>().find("body"), std::string::npos);
  auto deep = post(order_path(), std::string(100, '[') + std::string(100, ']'));
  EXPECT_NE(deep.body.find("nested deeper"), std::string::npos);
  auto truncated = post("/api/v1/jobs/retry", "{\"provider\": \"crm\"");
  EXPECT_NE(truncated.body.find("not valid JSON"), std::string::npos);
}

TEST_F(node_api_test, a_body_over_the_limit_gets_413) {
  server_options small;
  small.max_body_bytes = 4096;
  start_api(api_token, "", small);
  auto r = post(order_path(), std::string(10000, ' '));
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(queued("crm"), 0);
}

TEST_F(node_api_test, a_slow_client_is_cut_off_while_others_are_served) {
  server_options quick;
  quick.read_timeout = std::chrono::milliseconds(500);
  start_api(api_token, "", quick);
  tixsync::testing::raw_connection slow(server_->port());
  ASSERT_TRUE(slow.send("POST /api/v1/jobs/retry HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"));
  for (int i = 0; i < 5; ++i) EXPECT_EQ(get("/healthz").status, 200);
  EXPECT_TRUE(slow.wait_closed(std::chrono::seconds(20)));
  EXPECT_NE(slow.received().find("408"), std::string::npos);
}

}  // namespace
}  // namespace tixsync::api::testing
