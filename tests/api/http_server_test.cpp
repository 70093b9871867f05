// Tests of api/http_server over real loopback HTTP: what a handler sees of a request, the JSON
// errors the server produces itself (404, 405, 400, 413, 431), HEAD, and the responder contract
// (answers from another thread, after() timers, dropped responders, exceptions, double answers).
#include "api/http_server.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <mutex>
#include <string>
#include <vector>

#include "api/json_response.hpp"
#include "tests/api/server_fixture.hpp"
#include "tests/support/http_fetch.hpp"

namespace tixsync::api {
namespace {

using testing::eventually;
using testing::json_of;
using testing::test_server;
using tixsync::testing::fetch;
using tixsync::testing::raw_exchange;

router echo_router() {
  router r;
  r.add_sync("POST", "/echo/{a}/{b}", [](const http_request& request) {
    nlohmann::json params = nlohmann::json::object();
    for (const auto& [k, v] : request.params) params[k] = v;
    nlohmann::json query = nlohmann::json::array();
    for (const auto& [k, v] : request.query) query.push_back({k, v});
    return json_response(200, {{"method", request.method},
                               {"path", request.path},
                               {"route", request.route},
                               {"params", params},
                               {"query", query},
                               {"x_test", request.header("X-TEST").value_or("<none>")},
                               {"missing", request.header("X-Missing").has_value()},
                               {"body", request.body},
                               {"remote", request.remote_address}});
  });
  r.add_sync("GET", "/hello",
             [](const http_request&) { return http_response::text(200, "hello"); });
  r.add_sync("DELETE", "/hello", [](const http_request&) { return http_response::empty(204); });
  return r;
}

void expect_json_error(const tixsync::testing::fetch_response& response, int status) {
  EXPECT_EQ(response.status, status) << response.error << response.body;
  EXPECT_EQ(response.header("Content-Type").value_or(""), "application/json");
  auto body = json_of(response.body);
  ASSERT_TRUE(body.is_object()) << response.body;
  EXPECT_EQ(body["error"]["status"], status);
  EXPECT_TRUE(body["error"]["message"].is_string());
}

TEST(HttpServer, HandlerSeesParamsDecodedQueryHeadersBodyAndRemoteAddress) {
  test_server s(echo_router());
  auto r = fetch("POST", s.port(), "/echo/one/t%C3%BCr?x=1&y=a+b%26c&x=2", "payload",
                 {{"x-test", "value"}});
  ASSERT_EQ(r.status, 200) << r.error << r.body;
  auto body = json_of(r.body);
  EXPECT_EQ(body["method"], "POST");
  EXPECT_EQ(body["path"], "/echo/one/t%C3%BCr");
  EXPECT_EQ(body["route"], "/echo/{a}/{b}");
  EXPECT_EQ(body["params"], (nlohmann::json{{"a", "one"}, {"b", "t\xC3\xBCr"}}));
  EXPECT_EQ(body["query"].dump(), R"([["x","1"],["y","a b&c"],["x","2"]])");
  EXPECT_EQ(body["x_test"], "value");
  EXPECT_EQ(body["missing"], false);
  EXPECT_EQ(body["body"], "payload");
  EXPECT_EQ(body["remote"], "127.0.0.1");
  EXPECT_EQ(r.header("Server").value_or(""), "tixsync");
}

TEST(HttpServer, UnknownPathIs404Json) {
  test_server s(echo_router());
  auto r = fetch("GET", s.port(), "/nowhere");
  expect_json_error(r, 404);
  EXPECT_NE(json_of(r.body)["error"]["message"].get<std::string>().find("/nowhere"),
            std::string::npos);
}

TEST(HttpServer, WrongMethodIs405JsonWithAllowHeader) {
  test_server s(echo_router());
  auto r = fetch("PUT", s.port(), "/hello", "x");
  expect_json_error(r, 405);
  EXPECT_EQ(r.header("Allow").value_or(""), "DELETE, GET, HEAD");
}

TEST(HttpServer, HeadAnswersTheLengthWithoutTheBody) {
  test_server s(echo_router());
  auto r = fetch("HEAD", s.port(), "/hello");
  ASSERT_EQ(r.status, 200) << r.error;
  EXPECT_EQ(r.header("Content-Length").value_or(""), "5");
  EXPECT_EQ(r.body, "");
  auto no_content = fetch("DELETE", s.port(), "/hello");
  EXPECT_EQ(no_content.status, 204) << no_content.error;
  EXPECT_FALSE(no_content.header("Content-Length").has_value());
}

TEST(HttpServer, BodyOverTheLimitIs413AndTheServerGoesOn) {
  server_options options;
  options.max_body_bytes = 1024;
  test_server s(echo_router(), options);
  auto r = fetch("POST", s.port(), "/echo/a/b", std::string(4096, 'x'));
  expect_json_error(r, 413);
  EXPECT_NE(r.body.find("1024"), std::string::npos);
  auto ok = fetch("POST", s.port(), "/echo/a/b", std::string(1024, 'x'));
  EXPECT_EQ(ok.status, 200) << ok.error;
  EXPECT_EQ(s.server().stats().malformed_requests, 1u);
}

TEST(HttpServer, MalformedRequestsAre400Json) {
  test_server s(echo_router());
  const std::string garbage = raw_exchange(s.port(), "GARBAGE\r\n\r\n");
  EXPECT_EQ(garbage.rfind("HTTP/1.1 400", 0), 0u) << garbage;
  EXPECT_NE(garbage.find("\"status\":400"), std::string::npos) << garbage;
  EXPECT_NE(garbage.find("Connection: close"), std::string::npos) << garbage;

  const std::string bad_length =
      raw_exchange(s.port(), "POST /echo/a/b HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n");
  EXPECT_EQ(bad_length.rfind("HTTP/1.1 400", 0), 0u) << bad_length;

  const std::string absolute =
      raw_exchange(s.port(), "GET http://example.org/hello HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(absolute.rfind("HTTP/1.1 400", 0), 0u) << absolute;

  expect_json_error(fetch("GET", s.port(), "/hello?x=%zz"), 400);
  expect_json_error(fetch("POST", s.port(), "/echo/%4/b"), 400);
  EXPECT_EQ(fetch("GET", s.port(), "/hello").status, 200);
}

TEST(HttpServer, OversizedHeadIs431) {
  server_options options;
  options.max_header_bytes = 2048;
  test_server s(echo_router(), options);
  auto r = fetch("GET", s.port(), "/hello", "", {{"X-Big", std::string(4096, 'h')}});
  expect_json_error(r, 431);
}

TEST(HttpServer, AsyncHandlerAnswersFromAnotherThread) {
  std::mutex mutex;
  std::vector<responder> waiting;
  router r;
  r.add("GET", "/later", [&](http_request, responder reply) {
    std::lock_guard<std::mutex> lock(mutex);
    waiting.push_back(reply);
  });
  test_server s(std::move(r));
  auto pending = std::async(std::launch::async, [&] { return fetch("GET", s.port(), "/later"); });
  ASSERT_TRUE(eventually([&] {
    std::lock_guard<std::mutex> lock(mutex);
    return waiting.size() == 1;
  }));
  // This test thread is not an I/O thread of the server.
  std::lock_guard<std::mutex> lock(mutex);
  EXPECT_TRUE(waiting[0].send(http_response::text(202, "from the test thread")));
  EXPECT_FALSE(waiting[0].send(http_response::text(200, "second answer")));
  EXPECT_TRUE(waiting[0].answered());
  auto response = pending.get();
  EXPECT_EQ(response.status, 202) << response.error;
  EXPECT_EQ(response.body, "from the test thread");
}

TEST(HttpServer, AfterCallbacksRunInTheOrderOfTheirTimesWhateverTheOrderTheyWereSet) {
  // Callbacks due in the order they are set share one timer; one due earlier than the last one
  // set must still run first.
  test_server s(router{});
  std::mutex mutex;
  std::vector<std::string> ran;
  auto note = [&](std::string what) {
    return [&, what] {
      std::lock_guard<std::mutex> lock(mutex);
      ran.push_back(what);
    };
  };
  s.server().after(std::chrono::milliseconds(300), note("300 ms"));
  s.server().after(std::chrono::milliseconds(400), note("400 ms"));
  s.server().after(std::chrono::milliseconds(30), note("30 ms"));
  s.server().after(std::chrono::milliseconds(400), note("400 ms, set last"));
  ASSERT_TRUE(eventually([&] {
    std::lock_guard<std::mutex> lock(mutex);
    return ran.size() == 4;
  }));
  EXPECT_EQ(ran, (std::vector<std::string>{"30 ms", "300 ms", "400 ms", "400 ms, set last"}));
}

TEST(HttpServer, AfterTimersWaitWhileTheOnlyIoThreadServesOthers) {
  std::atomic<int> waiting{0};
  std::atomic<bool> released{false};
  http_server* server = nullptr;
  router r;
  // /slow answers once /release was called, checking every 20 ms on a timer: no thread waits.
  r.add("GET", "/slow", [&](http_request, responder reply) {
    ++waiting;
    auto check = std::make_shared<std::function<void()>>();
    *check = [&, reply, weak = std::weak_ptr<std::function<void()>>(check)] {
      if (released) {
        --waiting;
        reply.send(http_response::text(200, "slow"));
      } else if (auto again = weak.lock()) {
        server->after(std::chrono::milliseconds(20), [again] { (*again)(); });
      }
    };
    server->after(std::chrono::milliseconds(20), [check] { (*check)(); });
  });
  r.add_sync("GET", "/waiting", [&](const http_request&) {
    return http_response::text(200, std::to_string(waiting.load()));
  });
  r.add_sync("POST", "/release", [&](const http_request&) {
    released = true;
    return http_response::empty(204);
  });
  server_options options;
  options.threads = 1;
  test_server s(std::move(r), options);
  server = &s.server();
  auto slow = std::async(std::launch::async, [&] { return fetch("GET", s.port(), "/slow"); });
  ASSERT_TRUE(eventually([&] { return waiting.load() == 1; }));
  // The single I/O thread answers these while /slow is still waiting.
  auto during = fetch("GET", s.port(), "/waiting");
  EXPECT_EQ(during.status, 200) << during.error;
  EXPECT_EQ(during.body, "1");
  EXPECT_EQ(fetch("POST", s.port(), "/release").status, 204);
  auto slow_response = slow.get();
  EXPECT_EQ(slow_response.status, 200) << slow_response.error;
  EXPECT_EQ(slow_response.body, "slow");
  EXPECT_EQ(waiting.load(), 0);
}

TEST(HttpServer, DroppedResponderAnswers500) {
  router r;
  r.add("GET", "/forget", [](http_request, responder) {});
  r.add("GET", "/forget-later", [](http_request, responder reply) {
    std::thread([reply]() mutable { reply = responder(); }).join();
  });
  test_server s(std::move(r));
  expect_json_error(fetch("GET", s.port(), "/forget"), 500);
  expect_json_error(fetch("GET", s.port(), "/forget-later"), 500);
  EXPECT_EQ(s.server().stats().handler_errors, 2u);
}

TEST(HttpServer, HandlerExceptionAnswers500AndIsLogged) {
  router r;
  r.add_sync("GET", "/boom",
             [](const http_request&) -> http_response { throw std::runtime_error("kaputt"); });
  r.add_sync("GET", "/fine", [](const http_request&) { return http_response::text(200, "ok"); });
  test_server s(std::move(r));
  auto boom = fetch("GET", s.port(), "/boom");
  expect_json_error(boom, 500);
  EXPECT_EQ(boom.body.find("kaputt"), std::string::npos) << "internals stay in the log";
  EXPECT_EQ(fetch("GET", s.port(), "/fine").status, 200);
  auto log = s.log();
  ASSERT_EQ(log.size(), 1u);
  EXPECT_NE(log[0].find("GET /boom threw: kaputt"), std::string::npos) << log[0];
}

TEST(HttpServer, CloseConnectionLeavesTheClientWithoutAnswer) {
  router r;
  r.add("GET", "/vanish", [](http_request, responder reply) { reply.close_connection(); });
  test_server s(std::move(r));
  auto response = fetch("GET", s.port(), "/vanish");
  EXPECT_EQ(response.status, 0);
  EXPECT_NE(response.error.find("read"), std::string::npos) << response.error;
  EXPECT_EQ(s.server().stats().dropped_connections, 1u);
}

TEST(HttpServer, InvalidStatusAndHeaderInjectionAreRefused) {
  router r;
  r.add_sync("GET", "/bad-status", [](const http_request&) { return http_response::empty(42); });
  r.add_sync("GET", "/bad-header", [](const http_request&) {
    return http_response::text(200, "ok").set_header("X-Evil", "a\r\nSet-Cookie: x=1");
  });
  test_server s(std::move(r));
  expect_json_error(fetch("GET", s.port(), "/bad-status"), 500);
  auto injected = fetch("GET", s.port(), "/bad-header");
  EXPECT_EQ(injected.status, 200);
  EXPECT_FALSE(injected.header("Set-Cookie").has_value());
  EXPECT_FALSE(injected.header("X-Evil").has_value());
}

}  // namespace
}  // namespace tixsync::api
