// The HTTP client against a loopback server, when things go right: methods, headers and bodies,
// keep-alive reuse, the per-host pool limit with its queue, idle timeout, Connection: close,
// completions on I/O threads exactly once, and send() from many threads.
#include "providers/http/http_client.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <thread>

#include "tests/providers/http/completion_log.hpp"
#include "tests/providers/http/loopback_server.hpp"

namespace tixsync::providers::http {
namespace {

using testing::completion_log;
using testing::eventually;
using testing::get;
using testing::loopback_server;
using testing::received_request;
using testing::scripted_reply;
using testing::send_and_wait;

scripted_reply ok(std::string body, std::chrono::milliseconds delay = {}) {
  scripted_reply reply;
  reply.body = std::move(body);
  reply.delay = delay;
  return reply;
}

TEST(http_client, get_returns_status_headers_and_body) {
  loopback_server server([](const received_request& request) {
    scripted_reply reply = ok("hello " + request.target);
    reply.status = 203;
    reply.headers = {{"X-Reply", "yes"}, {"Content-Type", "text/plain"}};
    return reply;
  });
  http_client client;
  const http_result result = send_and_wait(
      client,
      get(server.url("/path?x=1"), {{"Authorization", "Bearer t0ken"}, {"X-Trace", "abc"}}));

  ASSERT_TRUE(result.ok()) << result.error->message;
  EXPECT_FALSE(result.error.has_value());
  EXPECT_EQ(result.response->status, 203);
  EXPECT_EQ(result.response->header("x-reply"), "yes");
  EXPECT_EQ(result.response->header("CONTENT-TYPE"), "text/plain");
  EXPECT_EQ(result.response->body, "hello /path?x=1");
  EXPECT_GT(result.elapsed.count(), 0);

  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "GET");
  EXPECT_EQ(requests[0].target, "/path?x=1");
  EXPECT_EQ(requests[0].header("Host"), "127.0.0.1:" + std::to_string(server.port()));
  EXPECT_EQ(requests[0].header("User-Agent"), "tixsync");
  EXPECT_EQ(requests[0].header("Authorization"), "Bearer t0ken");
  EXPECT_EQ(requests[0].header("X-Trace"), "abc");
  EXPECT_EQ(requests[0].header("Content-Length"), "");
  EXPECT_EQ(requests[0].body, "");
}

TEST(http_client, sends_bodies_and_headers_with_post_put_patch_and_delete) {
  loopback_server server([](const received_request& request) {
    scripted_reply reply = ok(request.method + ":" + request.body);
    reply.status = request.method == "POST" ? 201 : 200;
    return reply;
  });
  http_client client;
  for (const std::string method : {"POST", "PUT", "PATCH", "DELETE"}) {
    SCOPED_TRACE(method);
    http_request request;
    request.method = method;
    request.url = server.url("/contacts/7");
    request.headers = {{"Content-Type", "application/json"}, {"Idempotency-Key", "k-" + method}};
    request.body = R"({"email":"ada@example.com","method":")" + method + R"("})";
    const http_result result = send_and_wait(client, request);
    ASSERT_TRUE(result.ok()) << result.error->message;
    EXPECT_EQ(result.response->status, method == "POST" ? 201 : 200);
    EXPECT_EQ(result.response->body, method + ":" + request.body);

    const received_request seen = server.requests().back();
    EXPECT_EQ(seen.method, method);
    EXPECT_EQ(seen.target, "/contacts/7");
    EXPECT_EQ(seen.body, request.body);
    EXPECT_EQ(seen.header("Content-Length"), std::to_string(request.body.size()));
    EXPECT_EQ(seen.header("Content-Type"), "application/json");
    EXPECT_EQ(seen.header("Idempotency-Key"), "k-" + method);
  }
}

TEST(http_client, sends_an_empty_post_with_content_length_zero) {
  loopback_server server([](const received_request&) { return ok("done"); });
  http_client client;
  http_request request;
  request.method = "POST";
  request.url = server.url("/trigger");
  ASSERT_TRUE(send_and_wait(client, request).ok());
  EXPECT_EQ(server.requests().at(0).header("Content-Length"), "0");
}

TEST(http_client, lets_the_request_set_the_user_agent_but_not_host_or_length) {
  loopback_server server([](const received_request&) { return ok("ok"); });
  {
    client_options options;
    options.user_agent = "tixsync/test";
    http_client client(options);
    ASSERT_TRUE(send_and_wait(client, get(server.url("/a"))).ok());
    http_request request =
        get(server.url("/b"),
            {{"User-Agent", "mine/1.0"}, {"Host", "evil.example"}, {"Content-Length", "999"}});
    ASSERT_TRUE(send_and_wait(client, request).ok());
  }
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].header("User-Agent"), "tixsync/test");
  EXPECT_EQ(requests[1].header("User-Agent"), "mine/1.0");
  EXPECT_EQ(requests[1].header("Host"), "127.0.0.1:" + std::to_string(server.port()));
  EXPECT_EQ(requests[1].header("Content-Length"), "");
}

TEST(http_client, sends_the_common_headers_first_and_checks_them_like_the_others) {
  loopback_server server([](const received_request&) { return ok("ok"); });
  auto common = std::make_shared<const header_list>(
      header_list{{"Accept", "application/json"}, {"User-Agent", "shared/2.0"}});
  {
    client_options options;
    options.user_agent = "tixsync/test";
    http_client client(options);
    http_request request = get(server.url("/a"), {{"X-Own", "1"}});
    request.common_headers = common;
    ASSERT_TRUE(send_and_wait(client, request).ok());
    http_request bad = get(server.url("/b"));
    bad.common_headers =
        std::make_shared<const header_list>(header_list{{"X-Broken", "a\r\nInjected: 1"}});
    const auto refused = send_and_wait(client, bad);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error->kind, transport_error_kind::bad_url);
    EXPECT_NE(refused.error->message.find("X-Broken"), std::string::npos) << refused.error->message;
  }
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);  // the refused one never went out
  EXPECT_EQ(requests[0].header("Accept"), "application/json");
  EXPECT_EQ(requests[0].header("User-Agent"), "shared/2.0");  // not the client's default
  EXPECT_EQ(requests[0].header("X-Own"), "1");
  ASSERT_GE(requests[0].headers.size(), 3u);
  std::vector<std::string> names;
  for (const auto& field : requests[0].headers) names.push_back(field.first);
  const auto at = [&](const std::string& name) {
    return std::find(names.begin(), names.end(), name) - names.begin();
  };
  EXPECT_LT(at("Accept"), at("X-Own"));
}

TEST(http_client, head_response_has_headers_only_and_the_connection_stays_usable) {
  loopback_server server([](const received_request&) { return ok("hello"); });
  http_client client;
  http_request head = get(server.url("/doc"));
  head.method = "HEAD";
  const http_result first = send_and_wait(client, head);
  ASSERT_TRUE(first.ok()) << first.error->message;
  EXPECT_EQ(first.response->header("Content-Length"), "5");
  EXPECT_EQ(first.response->body, "");
  const http_result second = send_and_wait(client, get(server.url("/doc")));
  ASSERT_TRUE(second.ok()) << second.error->message;
  EXPECT_EQ(second.response->body, "hello");
  EXPECT_EQ(server.connections_accepted(), 1u);
}

TEST(http_client, skips_interim_responses) {
  loopback_server server([](const received_request&) {
    scripted_reply reply;
    reply.action = testing::reply_action::raw;
    reply.body =
        "HTTP/1.1 100 Continue\r\n\r\n"
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfinal";
    return reply;
  });
  http_client client;
  const http_result result = send_and_wait(client, get(server.url("/")));
  ASSERT_TRUE(result.ok()) << result.error->message;
  EXPECT_EQ(result.response->status, 200);
  EXPECT_EQ(result.response->body, "final");
}

TEST(http_client, keep_alive_reuses_one_connection_for_sequential_requests) {
  loopback_server server([](const received_request& request) { return ok(request.target); });
  http_client client;
  for (int i = 0; i < 10; ++i) {
    const http_result result = send_and_wait(client, get(server.url("/n/" + std::to_string(i))));
    ASSERT_TRUE(result.ok()) << result.error->message;
    EXPECT_EQ(result.response->body, "/n/" + std::to_string(i));
  }
  EXPECT_EQ(server.connections_accepted(), 1u);
  const client_stats stats = client.stats();
  EXPECT_EQ(stats.requests, 10u);
  EXPECT_EQ(stats.responses, 10u);
  EXPECT_EQ(stats.transport_errors, 0u);
  EXPECT_EQ(stats.connections_opened, 1u);
  EXPECT_EQ(stats.connections_reused, 9u);
  EXPECT_EQ(stats.in_flight, 0u);
  EXPECT_EQ(stats.queued, 0u);
}

TEST(http_client, honours_connection_close_from_the_server) {
  loopback_server server([](const received_request&) {
    scripted_reply reply = ok("bye");
    reply.keep_alive = false;
    return reply;
  });
  http_client client;
  for (int i = 0; i < 3; ++i) {
    const http_result result = send_and_wait(client, get(server.url("/")));
    ASSERT_TRUE(result.ok()) << result.error->message;
    EXPECT_EQ(result.response->header("Connection"), "close");
  }
  EXPECT_EQ(server.connections_accepted(), 3u);
  EXPECT_EQ(client.stats().connections_opened, 3u);
  EXPECT_EQ(client.stats().connections_reused, 0u);
  EXPECT_EQ(client.stats().stale_retries, 0u);
}

TEST(http_client, runs_concurrent_requests_within_the_pool_limit) {
  loopback_server server([](const received_request& request) {
    return ok(request.target, std::chrono::milliseconds(100));
  });
  client_options options;
  options.max_connections_per_host = 8;
  http_client client(options);
  completion_log log;
  for (std::size_t i = 0; i < 5; ++i) {
    client.send(get(server.url("/c/" + std::to_string(i))), log.callback(i));
  }
  ASSERT_TRUE(log.wait_for(5));
  for (const auto& result : log.results()) EXPECT_TRUE(result.ok()) << result.error->message;
  EXPECT_LE(client.stats().connections_opened, 5u);
  EXPECT_GE(client.stats().connections_opened, 1u);
  EXPECT_EQ(server.requests_received(), 5u);
}

TEST(http_client, queues_requests_beyond_the_pool_limit_and_completes_them_all) {
  loopback_server server([](const received_request& request) {
    return ok(request.target, std::chrono::milliseconds(20));
  });
  client_options options;
  options.max_connections_per_host = 3;
  http_client client(options);
  completion_log log;
  constexpr std::size_t count = 30;
  for (std::size_t i = 0; i < count; ++i) {
    client.send(get(server.url("/q/" + std::to_string(i))), log.callback(i));
  }
  ASSERT_TRUE(log.wait_for(count));
  std::set<std::string> bodies;
  for (const auto& result : log.results()) {
    ASSERT_TRUE(result.ok()) << result.error->message;
    bodies.insert(result.response->body);
  }
  EXPECT_EQ(bodies.size(), count);
  for (std::size_t i = 0; i < count; ++i) EXPECT_EQ(log.calls_of(i), 1u);
  EXPECT_LE(server.peak_open_connections(), 3u);
  EXPECT_LE(server.connections_accepted(), 3u);
  EXPECT_LE(client.stats().connections_opened, 3u);
  EXPECT_EQ(client.stats().in_flight, 0u);
  EXPECT_EQ(client.stats().queued, 0u);
}

TEST(http_client, keeps_one_pool_per_host_and_port) {
  loopback_server first([](const received_request&) { return ok("first"); });
  loopback_server second([](const received_request&) { return ok("second"); });
  client_options options;
  options.max_connections_per_host = 1;
  http_client client(options);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(send_and_wait(client, get(first.url("/"))).response->body, "first");
    EXPECT_EQ(send_and_wait(client, get(second.url("/"))).response->body, "second");
  }
  EXPECT_EQ(first.connections_accepted(), 1u);
  EXPECT_EQ(second.connections_accepted(), 1u);
  EXPECT_EQ(client.stats().connections_opened, 2u);
}

// An address literal is connected to directly, a name goes through the resolver: both reach the
// server, each in a pool of its own (their Host headers differ).
TEST(http_client, reaches_a_server_by_address_literal_and_by_name) {
  loopback_server server(
      [](const received_request& request) { return ok("host " + request.header("Host")); });
  http_client client;
  const std::string port = std::to_string(server.port());
  const http_result by_address = send_and_wait(client, get("http://127.0.0.1:" + port + "/"));
  const http_result by_name = send_and_wait(client, get("http://localhost:" + port + "/"));
  ASSERT_TRUE(by_address.ok()) << by_address.error->message;
  ASSERT_TRUE(by_name.ok()) << by_name.error->message;
  EXPECT_EQ(by_address.response->body, "host 127.0.0.1:" + port);
  EXPECT_EQ(by_name.response->body, "host localhost:" + port);
  EXPECT_EQ(client.stats().connections_opened, 2u);
}

TEST(http_client, closes_idle_connections_after_the_idle_timeout) {
  loopback_server server([](const received_request&) { return ok("ok"); });
  client_options options;
  options.idle_timeout = std::chrono::milliseconds(100);
  http_client client(options);
  ASSERT_TRUE(send_and_wait(client, get(server.url("/"))).ok());
  // The server sees the client close the idle connection.
  ASSERT_TRUE(eventually([&] { return server.connections_closed() == 1; }));
  ASSERT_TRUE(send_and_wait(client, get(server.url("/"))).ok());
  EXPECT_EQ(server.connections_accepted(), 2u);
  EXPECT_EQ(client.stats().connections_opened, 2u);
  EXPECT_EQ(client.stats().stale_retries, 0u);
}

TEST(http_client, calls_each_completion_once_on_an_io_thread) {
  loopback_server server([](const received_request&) { return ok("ok"); });
  completion_log log;
  {
    http_client client;
    for (std::size_t i = 0; i < 5; ++i) client.send(get(server.url("/")), log.callback(i));
    ASSERT_TRUE(log.wait_for(5));
    client.stop();  // joins the I/O threads: a second call of any callback would have happened
  }
  EXPECT_EQ(log.calls(), 5u);
  for (std::size_t i = 0; i < 5; ++i) EXPECT_EQ(log.calls_of(i), 1u);
  for (const auto& thread : log.threads()) EXPECT_NE(thread, std::this_thread::get_id());
}

TEST(http_client, accepts_requests_from_many_threads) {
  loopback_server server([](const received_request& request) { return ok(request.target); });
  client_options options;
  options.threads = 2;
  options.max_connections_per_host = 4;
  http_client client(options);
  completion_log log;
  constexpr std::size_t senders = 4;
  constexpr std::size_t per_sender = 25;
  std::vector<std::thread> threads;
  for (std::size_t s = 0; s < senders; ++s) {
    threads.emplace_back([&, s] {
      for (std::size_t i = 0; i < per_sender; ++i) {
        const std::size_t id = s * per_sender + i;
        client.send(get(server.url("/t/" + std::to_string(id))), log.callback(id));
      }
    });
  }
  for (auto& thread : threads) thread.join();
  ASSERT_TRUE(log.wait_for(senders * per_sender));
  for (std::size_t id = 0; id < senders * per_sender; ++id) EXPECT_EQ(log.calls_of(id), 1u);
  for (const auto& result : log.results()) EXPECT_TRUE(result.ok());
  EXPECT_EQ(server.requests_received(), senders * per_sender);
  EXPECT_LE(server.peak_open_connections(), 4u);
}

}  // namespace
}  // namespace tixsync::providers::http
