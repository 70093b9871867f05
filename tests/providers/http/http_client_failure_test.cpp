// The HTTP client when things go wrong: read, total and connect timeouts, a server that closes
// mid-response or without answering, stale keep-alive connections (resent once, never after a
// response byte), the body limit, invalid HTTP, refused connections, bad URLs, and stop() or the
// destructor with requests queued and in flight. Asserts outcomes, never durations.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <thread>

#include "providers/http/http_client.hpp"
#include "tests/providers/http/completion_log.hpp"
#include "tests/providers/http/loopback_server.hpp"

namespace tixsync::providers::http {
namespace {

using testing::completion_log;
using testing::eventually;
using testing::get;
using testing::loopback_server;
using testing::received_request;
using testing::reply_action;
using testing::scripted_reply;
using testing::send_and_wait;

scripted_reply act(reply_action action, std::string body = "") {
  scripted_reply reply;
  reply.action = action;
  reply.body = std::move(body);
  return reply;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::string where(const loopback_server& server) {
  return "127.0.0.1:" + std::to_string(server.port());
}

/// The error of a result that must have failed (a failing test otherwise).
transport_error error_of(const http_result& result) {
  EXPECT_FALSE(result.ok()) << "status " << result.response->status;
  return result.error.value_or(transport_error{});
}

TEST(http_client_failures, read_timeout_when_the_server_never_answers) {
  loopback_server server([](const received_request&) { return act(reply_action::never_answer); });
  client_options options;
  options.read_timeout = std::chrono::milliseconds(200);
  http_client client(options);
  const transport_error error = error_of(
      send_and_wait(client, get(server.url("/slow"), {{"Authorization", "Bearer SECRET-TOKEN"}})));
  EXPECT_EQ(error.kind, transport_error_kind::timeout);
  EXPECT_EQ(error.message, "read from " + where(server) + " timed out after 200 ms");
  EXPECT_EQ(client.stats().transport_errors, 1u);
}

TEST(http_client_failures, a_reused_connection_times_out_its_own_request_not_an_earlier_one) {
  // The deadline is checked lazily (one timer wait per connection): a wait left from the first,
  // quick request must neither end the second one early nor let it run past its read timeout.
  int calls = 0;
  loopback_server server([&calls](const received_request&) {
    scripted_reply quick;  // answered at once
    quick.body = "first";
    return ++calls == 1 ? quick : act(reply_action::never_answer);
  });
  client_options options;
  options.read_timeout = std::chrono::milliseconds(300);
  http_client client(options);
  ASSERT_TRUE(send_and_wait(client, get(server.url("/quick"))).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(400));  // idle past the read timeout
  const transport_error error = error_of(send_and_wait(client, get(server.url("/never"))));
  EXPECT_EQ(error.kind, transport_error_kind::timeout);
  EXPECT_EQ(error.message, "read from " + where(server) + " timed out after 300 ms");
  EXPECT_EQ(server.connections_accepted(), 1u);  // the same connection carried both
}

TEST(http_client_failures, total_timeout_bounds_the_whole_request) {
  loopback_server server([](const received_request&) { return act(reply_action::never_answer); });
  client_options options;
  options.total_timeout = std::chrono::milliseconds(300);
  http_client client(options);
  const transport_error error = error_of(send_and_wait(client, get(server.url("/"))));
  EXPECT_EQ(error.kind, transport_error_kind::timeout);
  EXPECT_TRUE(contains(error.message, "total timeout of 300 ms")) << error.message;
  EXPECT_TRUE(contains(error.message, where(server))) << error.message;
}

TEST(http_client_failures, total_timeout_applies_across_a_slowly_trickling_response) {
  // Every read gets a byte well within the read timeout; only the total timeout can end this.
  loopback_server server([](const received_request&) {
    scripted_reply reply = act(reply_action::trickle, std::string(1000, 't'));
    reply.delay = std::chrono::milliseconds(50);
    return reply;
  });
  client_options options;
  options.read_timeout = std::chrono::seconds(5);
  options.total_timeout = std::chrono::milliseconds(400);
  http_client client(options);
  const transport_error error = error_of(send_and_wait(client, get(server.url("/"))));
  EXPECT_EQ(error.kind, transport_error_kind::timeout);
  EXPECT_TRUE(contains(error.message, "total timeout of 400 ms")) << error.message;
}

TEST(http_client_failures, a_trickling_response_within_the_timeouts_arrives_whole) {
  loopback_server server([](const received_request&) {
    scripted_reply reply = act(reply_action::trickle, "slowly");
    reply.delay = std::chrono::milliseconds(20);
    return reply;
  });
  http_client client;
  const http_result result = send_and_wait(client, get(server.url("/")));
  ASSERT_TRUE(result.ok()) << result.error->message;
  EXPECT_EQ(result.response->body, "slowly");
}

TEST(http_client_failures, request_timeout_overrides_the_total_timeout) {
  loopback_server server([](const received_request&) { return act(reply_action::never_answer); });
  http_client client;  // total timeout 30 s
  http_request request = get(server.url("/"));
  request.timeout = std::chrono::milliseconds(250);
  const transport_error error = error_of(send_and_wait(client, request));
  EXPECT_EQ(error.kind, transport_error_kind::timeout);
  EXPECT_TRUE(contains(error.message, "total timeout of 250 ms")) << error.message;
}

TEST(http_client_failures, closed_mid_response_is_closed_and_not_resent) {
  loopback_server server([](const received_request&) {
    return act(reply_action::cut_mid_body, std::string(10000, 'x'));
  });
  http_client client;
  const transport_error error = error_of(send_and_wait(client, get(server.url("/"))));
  EXPECT_EQ(error.kind, transport_error_kind::closed);
  EXPECT_TRUE(contains(error.message, where(server) + " closed the connection")) << error.message;
  EXPECT_EQ(server.requests_received(), 1u);
}

TEST(http_client_failures, a_fresh_connection_closed_without_answer_is_not_resent) {
  loopback_server server([](const received_request&) { return act(reply_action::drop); });
  http_client client;
  const transport_error error = error_of(send_and_wait(client, get(server.url("/"))));
  EXPECT_EQ(error.kind, transport_error_kind::closed);
  EXPECT_EQ(server.requests_received(), 1u);
  EXPECT_EQ(client.stats().stale_retries, 0u);
}

TEST(http_client_failures, a_stale_keep_alive_connection_is_resent_transparently) {
  // The first request on each connection is answered (keep-alive); the second finds the server
  // closing the connection: what a server that dropped an idle connection looks like.
  loopback_server server([](const received_request& request) {
    if (request.index_on_connection > 1) return act(reply_action::drop);
    return act(reply_action::respond,
               "answer on connection " + std::to_string(request.connection_id));
  });
  http_client client;
  http_request post;
  post.method = "POST";
  post.url = server.url("/orders");
  post.body = R"({"order":"ABC12"})";
  const http_result first = send_and_wait(client, post);
  ASSERT_TRUE(first.ok()) << first.error->message;
  const http_result second = send_and_wait(client, post);
  ASSERT_TRUE(second.ok()) << second.error->message;
  EXPECT_EQ(second.response->body, "answer on connection 2");
  EXPECT_EQ(server.connections_accepted(), 2u);
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[2].body, post.body);  // the resent request is complete
  EXPECT_EQ(client.stats().stale_retries, 1u);
  EXPECT_EQ(client.stats().responses, 2u);
  EXPECT_EQ(client.stats().transport_errors, 0u);
}

TEST(http_client_failures, a_request_is_resent_at_most_once) {
  // Only the very first request is answered; the resent one meets a dropped fresh connection.
  loopback_server server([](const received_request& request) {
    if (request.connection_id == 1 && request.index_on_connection == 1) {
      return act(reply_action::respond, "first");
    }
    return act(reply_action::drop);
  });
  http_client client;
  ASSERT_TRUE(send_and_wait(client, get(server.url("/"))).ok());
  const transport_error error = error_of(send_and_wait(client, get(server.url("/"))));
  EXPECT_EQ(error.kind, transport_error_kind::closed);
  EXPECT_EQ(server.requests_received(), 3u);
  EXPECT_EQ(client.stats().stale_retries, 1u);
}

TEST(http_client_failures, never_resends_after_response_bytes_arrived) {
  loopback_server server([](const received_request& request) {
    if (request.index_on_connection == 1) return act(reply_action::respond, "first");
    return act(reply_action::cut_mid_body, std::string(5000, 'y'));
  });
  http_client client;
  ASSERT_TRUE(send_and_wait(client, get(server.url("/"))).ok());
  const transport_error error = error_of(send_and_wait(client, get(server.url("/"))));
  EXPECT_EQ(error.kind, transport_error_kind::closed);
  EXPECT_EQ(server.requests_received(), 2u);
  EXPECT_EQ(client.stats().stale_retries, 0u);
}

TEST(http_client_failures, a_body_over_the_limit_is_body_too_large) {
  loopback_server server([](const received_request& request) {
    return act(reply_action::respond, std::string(request.target == "/big" ? 100000 : 1000, 'b'));
  });
  client_options options;
  options.max_response_bytes = 1000;
  http_client client(options);
  const transport_error error = error_of(send_and_wait(client, get(server.url("/big"))));
  EXPECT_EQ(error.kind, transport_error_kind::body_too_large);
  EXPECT_EQ(error.message,
            "response body from " + where(server) + " exceeds the limit of 1000 bytes");
  const http_result at_limit = send_and_wait(client, get(server.url("/exact")));
  ASSERT_TRUE(at_limit.ok()) << at_limit.error->message;
  EXPECT_EQ(at_limit.response->body.size(), 1000u);
}

TEST(http_client_failures, a_huge_body_is_cut_off_at_the_default_limit) {
  loopback_server server([](const received_request&) {
    return act(reply_action::respond, std::string(5 << 20, 'h'));
  });
  http_client client;  // 4 MiB limit
  const transport_error error = error_of(send_and_wait(client, get(server.url("/"))));
  EXPECT_EQ(error.kind, transport_error_kind::body_too_large);
}

TEST(http_client_failures, invalid_http_is_a_protocol_error) {
  loopback_server server(
      [](const received_request&) { return act(reply_action::raw, "HELLO THERE\r\n\r\n"); });
  http_client client;
  const transport_error error = error_of(send_and_wait(client, get(server.url("/"))));
  EXPECT_EQ(error.kind, transport_error_kind::protocol);
  EXPECT_TRUE(contains(error.message, "invalid HTTP response from " + where(server)))
      << error.message;
}

TEST(http_client_failures, a_refused_connection_is_a_connect_error) {
  std::uint16_t port = 0;
  {
    // A port that was free a moment ago and has no listener now.
    loopback_server gone([](const received_request&) { return act(reply_action::drop); });
    port = gone.port();
  }
  http_client client;
  const transport_error error =
      error_of(send_and_wait(client, get("http://127.0.0.1:" + std::to_string(port) + "/")));
  EXPECT_EQ(error.kind, transport_error_kind::connect);
  EXPECT_TRUE(contains(error.message, "connect to 127.0.0.1:" + std::to_string(port) + " failed"))
      << error.message;
}

/// A listener whose accept queue is full, so that further connection attempts hang in SYN_SENT.
class full_listener {
 public:
  full_listener() {
    listener_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    EXPECT_EQ(listen(listener_, 0), 0);
    socklen_t length = sizeof address;
    getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    for (int i = 0; i < 4; ++i) {
      const int filler = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
      connect(filler, reinterpret_cast<sockaddr*>(&address), sizeof address);
      fillers_.push_back(filler);
    }
    // Let the fillers' handshakes settle into the accept queue.
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ~full_listener() {
    for (int filler : fillers_) close(filler);
    close(listener_);
  }
  std::uint16_t port() const { return port_; }

 private:
  int listener_ = -1;
  std::vector<int> fillers_;
  std::uint16_t port_ = 0;
};

TEST(http_client_failures, a_connect_that_hangs_hits_the_connect_timeout) {
  full_listener listener;
  client_options options;
  options.connect_timeout = std::chrono::milliseconds(300);
  http_client client(options);
  const std::string target = "127.0.0.1:" + std::to_string(listener.port());
  const transport_error error = error_of(send_and_wait(client, get("http://" + target + "/")));
  EXPECT_EQ(error.kind, transport_error_kind::connect);
  EXPECT_EQ(error.message, "connect to " + target + " timed out after 300 ms");
}

TEST(http_client_failures, bad_requests_fail_inline_with_bad_url) {
  http_client client;
  const std::vector<http_request> requests = {
      get(""),
      get("ftp://example.com/file"),
      get("http://"),
      get("http://127.0.0.1:99999/"),
      get("http://127.0.0.1:8080/", {{"X-Token", "SECRET\r\nX-Injected: 1"}}),
      get("http://127.0.0.1:8080/", {{"Bad Name", "v"}}),
      [] {
        http_request bad_method = get("http://127.0.0.1:8080/");
        bad_method.method = "GE T";
        return bad_method;
      }(),
  };
  for (const auto& request : requests) {
    SCOPED_TRACE(request.url);
    int calls = 0;
    http_result seen;
    client.send(request, [&](http_result result) {
      ++calls;
      seen = std::move(result);
    });
    ASSERT_EQ(calls, 1);  // inline, before send() returned
    const transport_error error = error_of(seen);
    EXPECT_EQ(error.kind, transport_error_kind::bad_url);
    EXPECT_FALSE(contains(error.message, "SECRET")) << error.message;
    EXPECT_FALSE(error.message.empty());
  }
  EXPECT_EQ(client.stats().transport_errors, requests.size());
}

TEST(http_client_failures, errors_never_contain_request_headers_or_bodies) {
  loopback_server server([](const received_request&) { return act(reply_action::never_answer); });
  client_options options;
  options.read_timeout = std::chrono::milliseconds(100);
  http_client client(options);
  http_request request;
  request.method = "POST";
  request.url = server.url("/x");
  request.headers = {{"Authorization", "Bearer SECRET-TOKEN"}};
  request.body = "SECRET-BODY";
  const transport_error error = error_of(send_and_wait(client, request));
  EXPECT_FALSE(contains(error.message, "SECRET")) << error.message;
}

/// Sends `count` requests to a server that never answers with at most 2 connections, and waits
/// until 2 are in flight (the rest queued).
void send_requests_that_hang(http_client& client, const loopback_server& server,
                             completion_log& log, std::size_t count) {
  for (std::size_t i = 0; i < count; ++i) client.send(get(server.url("/")), log.callback(i));
  ASSERT_TRUE(eventually([&] { return server.requests_received() == 2; }));
  ASSERT_TRUE(eventually([&] { return client.stats().in_flight == 2; }));
  EXPECT_EQ(client.stats().queued, count - 2);
}

client_options two_connections() {
  client_options options;
  options.max_connections_per_host = 2;
  return options;
}

TEST(http_client_failures, stop_fails_queued_and_in_flight_requests_with_shutdown) {
  loopback_server server([](const received_request&) { return act(reply_action::never_answer); });
  completion_log log;
  http_client client(two_connections());
  send_requests_that_hang(client, server, log, 5);
  client.stop();  // returns after the completions ran
  EXPECT_EQ(log.calls(), 5u);
  for (std::size_t i = 0; i < 5; ++i) EXPECT_EQ(log.calls_of(i), 1u);
  for (const auto& result : log.results()) {
    EXPECT_EQ(error_of(result).kind, transport_error_kind::shutdown);
    EXPECT_TRUE(contains(error_of(result).message, where(server)));
  }
  EXPECT_EQ(client.stats().in_flight, 0u);
  EXPECT_EQ(client.stats().queued, 0u);

  // After stop(): fails inline, and stop() again is harmless.
  int calls = 0;
  client.send(get(server.url("/")), [&](http_result result) {
    ++calls;
    EXPECT_EQ(error_of(result).kind, transport_error_kind::shutdown);
  });
  EXPECT_EQ(calls, 1);
  client.stop();
  EXPECT_TRUE(eventually([&] { return server.connections_closed() == 2; }));
}

TEST(http_client_failures, the_destructor_stops_the_client) {
  loopback_server server([](const received_request&) { return act(reply_action::never_answer); });
  completion_log log;
  auto client = std::make_unique<http_client>(two_connections());
  send_requests_that_hang(*client, server, log, 4);
  client.reset();
  EXPECT_EQ(log.calls(), 4u);
  for (std::size_t i = 0; i < 4; ++i) EXPECT_EQ(log.calls_of(i), 1u);
  for (const auto& result : log.results()) {
    EXPECT_EQ(error_of(result).kind, transport_error_kind::shutdown);
  }
}

TEST(http_client_failures, stop_from_a_completion_does_not_deadlock) {
  loopback_server server([](const received_request&) { return act(reply_action::respond, "ok"); });
  completion_log log;
  http_client client;
  client.send(get(server.url("/")), [&](http_result result) {
    client.stop();  // on the I/O thread: cannot join, must not block
    log.callback(0)(std::move(result));
  });
  ASSERT_TRUE(log.wait_for(1));
  EXPECT_TRUE(log.results().front().ok());
  int calls = 0;
  client.send(get(server.url("/")), [&](http_result result) {
    ++calls;
    EXPECT_EQ(error_of(result).kind, transport_error_kind::shutdown);
  });
  EXPECT_EQ(calls, 1);
}  // the destructor, on this thread, joins

}  // namespace
}  // namespace tixsync::providers::http
