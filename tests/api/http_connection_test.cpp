// Tests of api/http_server's connection handling over real loopback sockets: keep-alive and
// pipelining, the idle and whole-request timeouts (a slow sender gets 408 and is cut off while
// others are served), many concurrent clients, the connection cap, and stop() with connections
// open.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

#include "api/http_server.hpp"
#include "tests/api/server_fixture.hpp"
#include "tests/support/http_fetch.hpp"

namespace tixsync::api {
namespace {

using testing::eventually;
using testing::json_of;
using testing::test_server;
using tixsync::testing::fetch;
using tixsync::testing::http_test_connection;
using tixsync::testing::raw_connection;

router hello_router() {
  router r;
  r.add_sync("GET", "/hello/{name}", [](const http_request& request) {
    return http_response::text(200, "hello " + request.param("name"));
  });
  return r;
}

TEST(HttpConnection, KeepAliveServesSeveralRequestsOnOneConnection) {
  test_server s(hello_router());
  http_test_connection connection(s.port());
  for (const std::string name : {"a", "b", "c"}) {
    auto r = connection.request("GET", "/hello/" + name);
    ASSERT_EQ(r.status, 200) << r.error;
    EXPECT_EQ(r.body, "hello " + name);
    EXPECT_TRUE(connection.open());
  }
  // A server error keeps the connection too.
  EXPECT_EQ(connection.request("GET", "/missing").status, 404);
  EXPECT_EQ(connection.request("GET", "/hello/d").status, 200);
  EXPECT_EQ(s.server().stats().connections_accepted, 1u);
  EXPECT_EQ(s.server().stats().requests, 5u);
}

TEST(HttpConnection, ConnectionCloseIsHonoured) {
  test_server s(hello_router());
  http_test_connection connection(s.port());
  auto r = connection.request("GET", "/hello/x", "", {{"Connection", "close"}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("Connection").value_or(""), "close");
  EXPECT_FALSE(connection.open());
}

TEST(HttpConnection, PipelinedRequestsAreAnsweredInOrder) {
  test_server s(hello_router());
  raw_connection raw(s.port());
  ASSERT_TRUE(
      raw.send("GET /hello/first HTTP/1.1\r\nHost: x\r\n\r\n"
               "GET /hello/second HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  const std::string answers = raw.receive_until_closed(std::chrono::seconds(20));
  const auto first = answers.find("hello first");
  const auto second = answers.find("hello second");
  ASSERT_NE(first, std::string::npos) << answers;
  ASSERT_NE(second, std::string::npos) << answers;
  EXPECT_LT(first, second);
}

TEST(HttpConnection, AThousandPipelinedRequestsInOneSendAreAllAnsweredInOrder) {
  // Answers written at once go on to the next buffered request from the strand's queue, not by
  // recursion: a client that pipelines many requests must not deepen the server's call stack.
  server_options options;
  options.threads = 1;
  test_server s(hello_router(), options);
  raw_connection raw(s.port());
  constexpr int count = 1000;
  std::string requests;
  for (int i = 0; i < count; ++i) {
    requests += "GET /hello/r" + std::to_string(i) + " HTTP/1.1\r\nHost: x\r\n";
    requests += i + 1 == count ? "Connection: close\r\n\r\n" : "\r\n";
  }
  ASSERT_TRUE(raw.send(requests));
  const std::string answers = raw.receive_until_closed(std::chrono::seconds(30));
  // Each text body is followed by the next answer's status line (the last by the end).
  std::size_t at = 0;
  for (int i = 0; i + 1 < count; ++i) {
    const auto found = answers.find("hello r" + std::to_string(i) + "HTTP/1.1 200", at);
    ASSERT_NE(found, std::string::npos) << "answer " << i << " missing or out of order";
    at = found;
  }
  const std::string last = "hello r" + std::to_string(count - 1);
  ASSERT_GE(answers.size(), last.size());
  EXPECT_EQ(answers.substr(answers.size() - last.size()), last);
  EXPECT_EQ(s.server().stats().responses, static_cast<std::uint64_t>(count));
}

TEST(HttpConnection, IdleKeepAliveConnectionIsClosed) {
  server_options options;
  options.idle_timeout = std::chrono::milliseconds(300);
  test_server s(hello_router(), options);
  raw_connection raw(s.port());
  ASSERT_TRUE(raw.send("GET /hello/idle HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_TRUE(raw.wait_closed(std::chrono::seconds(20)));
  EXPECT_EQ(s.server().stats().responses, 1u);
  EXPECT_EQ(s.server().stats().read_timeouts, 0u) << "idle is not a read timeout";
}

TEST(HttpConnection, ARestedKeepAliveConnectionGetsAWholeReadTimeoutForItsNextRequest) {
  // Deadlines are checked lazily, one timer wait per connection: what is left of the idle wait
  // must not cut the next request short.
  server_options options;
  options.idle_timeout = std::chrono::milliseconds(5000);
  options.read_timeout = std::chrono::milliseconds(400);
  test_server s(hello_router(), options);
  raw_connection raw(s.port());
  ASSERT_TRUE(raw.send("GET /hello/first HTTP/1.1\r\nHost: x\r\n\r\n"));
  std::this_thread::sleep_for(std::chrono::milliseconds(600));  // rests past the read timeout
  ASSERT_TRUE(raw.send("GET /hello/second HTTP/1.1\r\n"));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_TRUE(raw.send("Host: x\r\nConnection: close\r\n\r\n"));
  const std::string answers = raw.receive_until_closed(std::chrono::seconds(20));
  EXPECT_NE(answers.find("hello first"), std::string::npos) << answers;
  EXPECT_NE(answers.find("hello second"), std::string::npos) << answers;
  EXPECT_EQ(s.server().stats().read_timeouts, 0u);
}

TEST(HttpConnection, SlowSenderIsCutOffWhileOthersAreServed) {
  server_options options;
  options.threads = 1;
  options.read_timeout = std::chrono::milliseconds(500);
  test_server s(hello_router(), options);
  raw_connection slow(s.port());
  ASSERT_TRUE(slow.send("GET /hello/slow HTTP/1.1\r\nHost: x\r\nX-Slow: "));
  bool cut_off = false;
  bool others_served = false;
  // One byte every 100 ms, never finishing the head; bounded to 200 bytes (20 s).
  for (int i = 0; i < 200 && !cut_off; ++i) {
    if (!slow.send("a") || slow.wait_closed(std::chrono::milliseconds(100))) cut_off = true;
    if (i == 1) {
      auto other = fetch("GET", s.port(), "/hello/other");
      others_served = other.status == 200 && other.body == "hello other";
    }
  }
  EXPECT_TRUE(others_served);
  EXPECT_TRUE(cut_off);
  EXPECT_EQ(slow.received().rfind("HTTP/1.1 408", 0), 0u) << slow.received();
  EXPECT_NE(slow.received().find("\"status\":408"), std::string::npos) << slow.received();
  EXPECT_EQ(s.server().stats().read_timeouts, 1u);
  EXPECT_EQ(fetch("GET", s.port(), "/hello/after").status, 200);
}

TEST(HttpConnection, ManyConcurrentClientsAreAllAnswered) {
  server_options options;
  options.threads = 2;
  router r = hello_router();
  http_server* server = nullptr;
  r.add("GET", "/later/{n}", [&](http_request request, responder reply) {
    server->after(std::chrono::milliseconds(1),
                  [reply, n = request.param("n")] { reply.send(http_response::text(200, n)); });
  });
  test_server s(std::move(r), options);
  server = &s.server();
  constexpr int clients = 16;
  constexpr int requests_each = 25;
  std::vector<std::future<int>> results;
  for (int c = 0; c < clients; ++c) {
    results.push_back(std::async(std::launch::async, [&, c] {
      int good = 0;
      http_test_connection connection(s.port());
      for (int i = 0; i < requests_each; ++i) {
        const std::string n = std::to_string(c * 1000 + i);
        auto response = i % 2 ? connection.request("GET", "/later/" + n)
                              : fetch("GET", s.port(), "/hello/" + n);
        if (response.status == 200 && (response.body == n || response.body == "hello " + n)) ++good;
      }
      return good;
    }));
  }
  int good = 0;
  for (auto& result : results) good += result.get();
  EXPECT_EQ(good, clients * requests_each);
  EXPECT_EQ(s.server().stats().requests, static_cast<std::uint64_t>(clients * requests_each));
}

TEST(HttpConnection, ConnectionsOverTheCapGet503) {
  server_options options;
  options.max_connections = 2;
  test_server s(hello_router(), options);
  {
    raw_connection first(s.port());
    raw_connection second(s.port());
    ASSERT_TRUE(eventually([&] { return s.server().stats().connections_open == 2; }));
    auto refused = fetch("GET", s.port(), "/hello/third");
    EXPECT_EQ(refused.status, 503) << refused.error;
    EXPECT_EQ(refused.header("Retry-After").value_or(""), "1");
    EXPECT_EQ(json_of(refused.body)["error"]["status"], 503);
  }
  ASSERT_TRUE(eventually([&] { return s.server().stats().connections_open == 0; }));
  EXPECT_EQ(fetch("GET", s.port(), "/hello/again").status, 200);
  EXPECT_EQ(s.server().stats().connections_rejected, 1u);
}

TEST(HttpConnection, StopClosesOpenConnectionsAndDropsLaterAnswers) {
  std::mutex mutex;
  std::vector<responder> held;
  router r = hello_router();
  r.add("GET", "/hold", [&](http_request, responder reply) {
    std::lock_guard<std::mutex> lock(mutex);
    held.push_back(reply);
  });
  auto s = std::make_unique<test_server>(std::move(r));
  const int port = s->port();
  raw_connection idle(port);
  auto waiting = std::async(std::launch::async, [&] { return fetch("GET", port, "/hold"); });
  ASSERT_TRUE(eventually([&] {
    std::lock_guard<std::mutex> lock(mutex);
    return held.size() == 1;
  }));
  std::atomic<bool> timer_ran{false};
  s->server().after(std::chrono::milliseconds(1), [&] { timer_ran = true; });
  s->server().stop();

  EXPECT_TRUE(idle.wait_closed(std::chrono::seconds(20)));
  auto response = waiting.get();
  EXPECT_EQ(response.status, 0) << "no answer after stop";
  // Answering after stop() is harmless and goes nowhere.
  EXPECT_TRUE(held[0].send(http_response::text(200, "too late")));
  s->server().after(std::chrono::milliseconds(0), [&] { timer_ran = true; });
  s.reset();
  held.clear();
  EXPECT_NE(fetch("GET", port, "/hello/x").status, 200);
}

TEST(HttpConnection, StartReportsWhereItCannotListen) {
  test_server s(hello_router());
  server_options taken;
  taken.port = static_cast<std::uint16_t>(s.port());
  http_server second(taken, hello_router());
  try {
    second.start();
    FAIL() << "a taken port must not be bound twice";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("127.0.0.1:" + std::to_string(s.port())),
              std::string::npos)
        << e.what();
  }
  server_options bad_address;
  bad_address.listen_address = "not-an-ip";
  http_server third(bad_address, hello_router());
  EXPECT_THROW(third.start(), std::runtime_error);
  server_options no_threads;
  no_threads.threads = 0;
  EXPECT_THROW(http_server(no_threads, hello_router()), std::invalid_argument);
}

}  // namespace
}  // namespace tixsync::api
