// Bad input and abuse against a running `tixsync run` node's HTTP API (its real process, config
// and limits; tests/api covers the handlers in-process): malformed, truncated, oversized, deeply
// nested, wrongly typed JSON and random bytes to the orders, event and pretix webhook endpoints,
// garbage instead of HTTP, and requests without or with a wrong token on every mutating
// endpoint. Each gets a JSON error whose status matches and whose message says what is wrong;
// the node never dies, never answers 500, and nothing is enqueued or synced. A node with a webhook
// token takes it on the webhook only; without one, check-config and run warn.
#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/fault/fleet.hpp"
#include "tests/support/command.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/http_fetch.hpp"

namespace tixsync::testing {
namespace {

using nlohmann::json;
using std::chrono::seconds;

const std::string orders_path = "/api/v1/events/nordlicht/ndd25/orders";
const std::string event_path = "/api/v1/events/nordlicht/ndd25";
const std::string webhook_path = "/webhooks/pretix";

/// One running node with its HTTP API on a free port, over the fleet's Redis and mock CRM.
class fault_api_abuse : public ::testing::Test {
 protected:
  static fleet_options with_http() {
    fleet_options o;
    o.http = true;
    return o;
  }

  void SetUp() override {
    ASSERT_GT(f_.crm().port(), 0);
    f_.start_node("a");
    port_ = f_.node("a").http_port();
    ASSERT_GT(port_, 0) << f_.node("a").log();
    for (int i = 0; i < 200 && fetch("GET", port_, "/readyz").status != 200; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ASSERT_EQ(fetch("GET", port_, "/readyz").status, 200) << f_.node("a").log();
    order_ = synthetic_orders(1);
    order_.pop_back();  // the newline
  }

  void TearDown() override { f_.stop_nodes(); }

  fetch_response post(const std::string& target, const std::string& body,
                      const http_headers& headers = {
                          {"Authorization", "Bearer " + fleet_api_token}}) {
    return fetch("POST", port_, target, body, headers, std::chrono::milliseconds(30000));
  }

  /// The response is a JSON error with `status` whose message contains `words` (if given).
  static void expect_error(const fetch_response& r, int status, const std::string& words = "") {
    EXPECT_EQ(r.status, status) << r.error << " " << r.body.substr(0, 300);
    const json body = json::parse(r.body, nullptr, false);
    ASSERT_TRUE(body.is_object() && body["error"].is_object()) << r.body.substr(0, 300);
    EXPECT_EQ(body["error"].value("status", 0), status);
    const std::string message = body["error"].value("message", "");
    EXPECT_FALSE(message.empty());
    if (!words.empty()) {
      EXPECT_NE(message.find(words), std::string::npos) << message;
    }
  }

  /// The node still runs and answers; nothing was enqueued for (or synced into) the CRM.
  void expect_unharmed() {
    EXPECT_TRUE(f_.node("a").running()) << f_.node("a").log();
    EXPECT_EQ(fetch("GET", port_, "/healthz").status, 200);
    EXPECT_EQ(fetch("GET", port_, "/readyz").status, 200);
    const auto q = f_.queue();
    ASSERT_TRUE(q.ok);
    EXPECT_EQ(q.total, 0) << json(q.states).dump();
    const json counts =
        json::parse(fetch("GET", port_, "/api/v1/jobs/counts?provider=crm", "",
                          {{"Authorization", "Bearer " + fleet_api_token}})
                        .body,
                    nullptr, false);
    ASSERT_TRUE(counts.is_object());
    EXPECT_EQ(counts.value("total", -1), 0);
    EXPECT_EQ(f_.crm().stats()["requests"]["by_method"].value("POST", 0), 0);
    EXPECT_EQ(f_.node("a").log().find("internal error"), std::string::npos) << f_.node("a").log();
  }

  fleet f_{with_http()};
  int port_ = -1;
  std::string order_;
};

TEST_F(fault_api_abuse, bad_json_to_every_input_endpoint_gets_a_clear_400_and_enqueues_nothing) {
  std::vector<std::pair<std::string, std::string>> bodies = {
      {"empty", ""},
      {"whitespace", "  \n\t "},
      {"a bare word", "nonsense"},
      {"a string", "\"order\""},
      {"a number", "1e999"},
      {"an array", "[]"},
      {"unterminated object", "{"},
      {"trailing garbage", "{}}"},
      {"NUL bytes", std::string("{\"code\":\"Q\0\0\"}", 14)},
      {"invalid UTF-8", "{\"code\":\"Q\xc3\x28\"}"},
      {"100,000 [", std::string(100000, '[')},
      {"100,000 [ closed", std::string(100000, '[') + std::string(100000, ']')},
      {"100,000 {\"a\":",
       [] {
         std::string s;
         for (int i = 0; i < 100000; ++i) s += "{\"a\":";
         return s;
       }()},
  };
  // Truncated at 40 places through a valid order.
  for (std::size_t cut = 1; cut < order_.size(); cut += order_.size() / 40 + 1) {
    bodies.emplace_back("truncated at " + std::to_string(cut), order_.substr(0, cut));
  }
  // Random bytes (seeded).
  std::mt19937 random(20251128);
  for (int i = 0; i < 30; ++i) {
    std::string bytes(1 + random() % 2000, '\0');
    for (auto& c : bytes) c = static_cast<char>(random() % 256);
    bodies.emplace_back("random bytes #" + std::to_string(i), bytes);
  }
  for (const std::string& target : {orders_path, event_path, webhook_path}) {
    for (const auto& [what, body] : bodies) {
      SCOPED_TRACE(target + " <- " + what);
      expect_error(post(target, body), 400);
    }
  }
  // What and where: the reader names the problem and its place.
  expect_error(post(orders_path, std::string(100000, '[')), 400, "nested deeper");
  expect_error(post(orders_path, order_.substr(0, order_.size() / 2)), 400, "not valid JSON");
  expect_error(post(webhook_path, "{\"organizer\":"), 400, "not valid JSON");
  expect_unharmed();
}

TEST_F(fault_api_abuse, wrongly_typed_json_gets_a_400_naming_the_field) {
  const json order = json::parse(order_);
  const auto with = [&](const std::string& key, const json& value) {
    json changed = order;
    changed[key] = value;
    return changed.dump();
  };
  // (what is wrong, where: the message names the field's path in the body)
  const std::vector<std::pair<std::string, std::string>> orders = {
      {"body: code: expected a string", with("code", 5)},
      {"body: positions: expected an array", with("positions", "many")},
      {"body: positions: expected an array", with("positions", json::object())},
      {"body: email: expected a string", with("email", json::array({1, 2}))},
      {"body: total: expected a string", with("total", json::object({{"amount", 1}}))},
      {"body: status: expected a string, found null", with("status", nullptr)},
      {"body: positions[0]: expected an object",
       [&] {
         json changed = order;
         changed["positions"][0] = "not a position";
         return changed.dump();
       }()},
      {"body: JSON nested deeper than 64 levels",
       [&] {
         json changed = order;
         json deep = json::array();
         for (int i = 0; i < 1000; ++i) deep = json::array({deep});
         changed["positions"][0]["answers"] = deep;
         return changed.dump();
       }()},
  };
  for (const auto& [message, body] : orders) {
    SCOPED_TRACE(message);
    expect_error(post(orders_path, body), 400, message);
  }
  // A wrong type for the webhook's fields names the field.
  for (
      const auto& [field, body] : std::vector<std::pair<std::string, std::string>>{
          {"code",
           R"({"organizer":"nordlicht","event":"ndd25","code":5,"action":"pretix.event.order.placed"})"},
          {"action", R"({"organizer":"nordlicht","event":"ndd25","code":"Q00001","action":[1]})"},
          {"organizer",
           R"({"organizer":{},"event":"ndd25","code":"Q00001","action":"pretix.event.order.placed"})"},
          {"notification_id",
           R"({"notification_id":"x","organizer":"nordlicht","event":"ndd25","code":"Q00001","action":"pretix.event.order.placed"})"}}) {
    SCOPED_TRACE("webhook with a wrong " + field);
    expect_error(post(webhook_path, body), 400, field);
  }
  // An event bundle of the wrong shape.
  for (const auto& [message, body] : std::vector<std::pair<std::string, std::string>>{
           {"body: event: expected an object", R"({"event": 5})"},
           {"body: items: expected an array", R"({"items": "none"})"},
           {"body: expected an object, found an array", R"([{"slug":"ndd25"}])"}}) {
    SCOPED_TRACE(message);
    expect_error(post(event_path, body), 400, message);
  }
  expect_unharmed();
}

TEST_F(fault_api_abuse, an_oversized_body_gets_413_with_or_without_a_content_length) {
  // The default [http] max_body is 1 MiB.
  const std::string big = "[" + std::string(2 * 1024 * 1024, ' ') + "]";
  for (const std::string& target : {orders_path, event_path, webhook_path}) {
    SCOPED_TRACE(target);
    expect_error(post(target, big), 413);
    // Chunked, no Content-Length: the limit holds for the body as it arrives.
    raw_connection raw(port_);
    std::string request = "POST " + target + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                          fleet_api_token + "\r\nTransfer-Encoding: chunked\r\n\r\n";
    raw.send(request);
    const std::string chunk(64 * 1024, ' ');
    char size[32];
    std::snprintf(size, sizeof size, "%zx\r\n", chunk.size());
    for (int i = 0; i < 40 && raw.send(size + chunk + "\r\n"); ++i) {
    }
    raw.send("0\r\n\r\n");
    EXPECT_TRUE(raw.wait_closed(std::chrono::milliseconds(20000)));
    EXPECT_NE(raw.received().find(" 413 "), std::string::npos) << raw.received().substr(0, 200);
  }
  expect_unharmed();
}

TEST_F(fault_api_abuse, garbage_instead_of_http_never_harms_the_node) {
  std::mt19937 random(77);
  std::vector<std::string> garbage = {
      "\r\n\r\n",
      "GET\r\n\r\n",
      "POST " + orders_path + " HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
      "POST " + orders_path +
          " HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n",
      "POST " + orders_path + " HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
      "GET /" + std::string(100000, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n",
      "GET / HTTP/1.1\r\nX: " + std::string(100000, 'b') + "\r\n\r\n",
      "GET / HTTP/9.9\r\nHost: x\r\n\r\n",
  };
  for (int i = 0; i < 30; ++i) {
    std::string bytes(1 + random() % 4000, '\0');
    for (auto& c : bytes) c = static_cast<char>(random() % 256);
    garbage.push_back(bytes);
  }
  for (const auto& bytes : garbage) {
    const std::string answer = raw_exchange(port_, bytes, std::chrono::milliseconds(15000));
    EXPECT_EQ(answer.find(" 500 "), std::string::npos) << answer.substr(0, 200);
  }
  expect_unharmed();
}

TEST_F(fault_api_abuse, every_mutating_endpoint_refuses_requests_without_the_right_token) {
  const json webhook{{"notification_id", 1},
                     {"organizer", "nordlicht"},
                     {"event", "ndd25"},
                     {"code", "Q00000"},
                     {"action", "pretix.event.order.placed"}};
  const json item{{"event", "nordlicht/ndd25"}, {"order", "Q00000"}};
  const std::vector<std::pair<std::string, std::string>> endpoints = {
      {orders_path, order_},
      {event_path, "{}"},
      {webhook_path, webhook.dump()},
      {"/api/v1/jobs/retry", json{{"provider", "crm"}, {"items", {item}}}.dump()},
      {"/api/v1/jobs/cancel", json{{"provider", "crm"}, {"items", {item}}}.dump()},
      {"/api/v1/orders/nordlicht/ndd25/Q00000/sync-now", "{}"},
      {"/api/v1/resync", R"({"provider":"crm","event":"nordlicht/ndd25"})"},
  };
  const std::vector<std::pair<std::string, http_headers>> wrong = {
      {"no token", {}},
      {"a wrong token", {{"Authorization", "Bearer " + fleet_api_token + "x"}}},
      {"a prefix of the token", {{"Authorization", "Bearer " + fleet_api_token.substr(0, 8)}}},
      {"an empty token", {{"Authorization", "Bearer "}}},
      {"another scheme", {{"Authorization", "Token " + fleet_api_token}}},
      {"basic auth", {{"Authorization", "Basic Zm9vOmJhcg=="}}},
  };
  for (const auto& [target, body] : endpoints) {
    for (const auto& [how, headers] : wrong) {
      SCOPED_TRACE(target + " with " + how);
      expect_error(post(target, body, headers), 401);
    }
    // The token as a query parameter is the webhook's alone; a wrong one is refused there too.
    SCOPED_TRACE(target);
    const auto query = post(target + "?token=" + fleet_api_token + "x", body, {});
    expect_error(query, 401);
    if (target != webhook_path)
      expect_error(post(target + "?token=" + fleet_api_token, body, {}), 401);
  }
  // GET never changes anything, and other methods on the mutating paths are not allowed.
  EXPECT_EQ(fetch("PUT", port_, orders_path, order_).status, 405);
  EXPECT_EQ(fetch("DELETE", port_, "/api/v1/jobs/cancel").status, 405);
  expect_unharmed();
}

class fault_webhook_token : public fault_api_abuse {
 protected:
  static fleet_options with_webhook_token() {
    fleet_options o = with_http();
    o.webhook_token = true;
    return o;
  }
  /// The fleet's config of node "a" with `from` replaced by `to`, written as `name`.
  std::string config_variant(const std::string& name, const std::string& from,
                             const std::string& to) {
    std::ifstream in(f_.config_for("a"));
    std::stringstream text;
    text << in.rdbuf();
    std::string config = text.str();
    const auto at = config.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) config.replace(at, from.size(), to);
    const std::string path = f_.dir() + "/" + name;
    std::ofstream(path) << config;
    return path;
  }
};

TEST_F(fault_webhook_token, a_node_takes_its_webhook_token_on_the_webhook_and_nowhere_else) {
  f_.stop_nodes();
  fleet f(with_webhook_token());
  ASSERT_GT(f.crm().port(), 0);
  auto& node = f.start_node("w");
  const int port = node.http_port();
  ASSERT_GT(port, 0) << node.log();
  ASSERT_TRUE(eventually([&] { return fetch("GET", port, "/readyz").status == 200; }))
      << node.log();
  const std::string payload =
      R"({"notification_id":5,"organizer":"nordlicht","event":"ndd25","code":"Q00000","action":"pretix.event.order.placed"})";
  // Authorised: the shop is a closed loopback port, so it cannot fetch and answers 503.
  const auto accepted =
      fetch("POST", port, webhook_path + "?token=" + fleet_webhook_token, payload);
  EXPECT_EQ(accepted.status, 503) << accepted.body;
  EXPECT_NE(accepted.body.find("pretix"), std::string::npos) << accepted.body;
  // With a webhook token set, the API token does not open the webhook; the webhook token opens
  // nothing else.
  expect_error(fetch("POST", port, webhook_path + "?token=" + fleet_api_token, payload), 401,
               "wrong webhook token");
  expect_error(fetch("POST", port, orders_path, order_,
                     {{"Authorization", "Bearer " + fleet_webhook_token}}),
               401, "wrong API token");
  expect_error(fetch("POST", port, orders_path + "?token=" + fleet_webhook_token, order_), 401);
  expect_error(
      fetch("POST", port, "/api/v1/resync", R"({"provider":"crm","event":"nordlicht/ndd25"})",
            {{"Authorization", "Bearer " + fleet_webhook_token}}),
      401, "wrong API token");
  EXPECT_EQ(node.log().find("webhook_token_env is not set"), std::string::npos) << node.log();
  EXPECT_EQ(node.log().find(fleet_webhook_token), std::string::npos);
  const auto q = f.queue();
  ASSERT_TRUE(q.ok);
  EXPECT_EQ(q.total, 0);
  f.stop_nodes();
}

TEST_F(fault_webhook_token, without_a_webhook_token_or_an_organizer_check_config_and_run_warn) {
  // The fixture's node runs without webhook_token_env: it said so at start.
  EXPECT_NE(f_.node("a").log().find("[http] webhook_token_env is not set"), std::string::npos)
      << f_.node("a").log();
  setenv("TIXSYNC_FAULT_API_TOKEN", fleet_api_token.c_str(), 1);
  setenv("TIXSYNC_FAULT_WEBHOOK_TOKEN", fleet_webhook_token.c_str(), 1);
  const auto plain = run_tixsync({"check-config", f_.config_for("a")});
  EXPECT_EQ(plain.exit_code, 0) << plain.err;
  EXPECT_NE(plain.err.find("warning: [http] webhook_token_env is not set"), std::string::npos)
      << plain.err;
  EXPECT_EQ(plain.err.find(fleet_api_token), std::string::npos);

  const auto with_token = run_tixsync(
      {"check-config",
       config_variant("token.toml", "[http]\n",
                      "[http]\nwebhook_token_env = \"TIXSYNC_FAULT_WEBHOOK_TOKEN\"\n")});
  EXPECT_EQ(with_token.exit_code, 0) << with_token.err;
  EXPECT_EQ(with_token.err.find("warning"), std::string::npos) << with_token.err;

  const auto no_organizer = run_tixsync(
      {"check-config", config_variant("no-organizer.toml", "organizer = \"nordlicht\"\n", "")});
  EXPECT_EQ(no_organizer.exit_code, 0) << no_organizer.err;
  EXPECT_NE(no_organizer.err.find("warning: [shop] organizer is not set: every pretix webhook is "
                                  "refused"),
            std::string::npos)
      << no_organizer.err;

  const auto same =
      run_tixsync({"check-config",
                   config_variant("same.toml", "[http]\n",
                                  "[http]\nwebhook_token_env = \"TIXSYNC_FAULT_API_TOKEN\"\n")});
  EXPECT_EQ(same.exit_code, 1) << same.out << same.err;
  EXPECT_NE(same.out.find("http.webhook_token_env: names the same variable as api_token_env"),
            std::string::npos)
      << same.out;
}

}  // namespace
}  // namespace tixsync::testing
