// The HTTP client's requests by outcome over loopback: each completed request counted once in
// the tally by its status class or its failure (timeout, network error), a stale-connection
// resend counted once, bad URLs not counted, and a tally given in the options shared; and the
// tally's gauges of the connection pools (connections open, requests waiting for one).
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <thread>

#include "providers/http/http_client.hpp"
#include "providers/http/request_tally.hpp"
#include "tests/providers/http/completion_log.hpp"
#include "tests/providers/http/loopback_server.hpp"

namespace tixsync::providers::http {
namespace {

using testing::get;
using testing::loopback_server;
using testing::received_request;
using testing::reply_action;
using testing::scripted_reply;
using testing::send_and_wait;

using counts = std::vector<std::pair<std::string, std::uint64_t>>;

/// Answers "/status/N" with status N, "/never" never, "/drop" by closing the connection.
scripted_reply by_target(const received_request& request) {
  scripted_reply reply;
  if (request.target == "/never") {
    reply.action = reply_action::never_answer;
  } else if (request.target == "/drop") {
    reply.action = reply_action::drop;
  } else {
    reply.status = std::stoi(request.target.substr(std::string("/status/").size()));
    if (reply.status != 204 && reply.status != 304) reply.body = "{}";
  }
  return reply;
}

TEST(http_client_tally, counts_each_request_once_by_its_outcome) {
  loopback_server server(by_target);
  auto tally = std::make_shared<request_tally>();
  client_options options;
  options.read_timeout = std::chrono::milliseconds(300);
  options.tally = tally;
  http_client client(options);
  for (const int status : {200, 201, 204, 302, 404, 429, 500, 503, 503}) {
    const http_result result =
        send_and_wait(client, get(server.url("/status/" + std::to_string(status))));
    ASSERT_TRUE(result.ok()) << result.error->message;
    EXPECT_EQ(result.response->status, status);
  }
  EXPECT_EQ(send_and_wait(client, get(server.url("/never"))).error->kind,
            transport_error_kind::timeout);
  EXPECT_EQ(send_and_wait(client, get(server.url("/drop"))).error->kind,
            transport_error_kind::closed);
  // Never sent: not counted.
  EXPECT_EQ(send_and_wait(client, get("ftp://127.0.0.1/")).error->kind,
            transport_error_kind::bad_url);

  const counts expected = {{"2xx", 3}, {"3xx", 1},     {"4xx", 2},
                           {"5xx", 3}, {"timeout", 1}, {"network-error", 1}};
  EXPECT_EQ(tally->counts(), expected);
  EXPECT_EQ(client.tally().get(), tally.get());
  EXPECT_EQ(client.tally()->counts(), expected);
}

TEST(http_client_tally, a_refused_connection_is_a_network_error) {
  std::uint16_t port = 0;
  {
    loopback_server gone(by_target);
    port = gone.port();
  }
  http_client client;
  const http_result result =
      send_and_wait(client, get("http://127.0.0.1:" + std::to_string(port) + "/status/200"));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(client.tally()->count(request_outcome::network_error), 1u);
  EXPECT_EQ(client.tally()->count(request_outcome::status_2xx), 0u);
}

TEST(http_client_tally, a_stale_connection_resend_counts_once) {
  // The first request on each connection is answered, later ones find the connection closed.
  loopback_server server([](const received_request& request) {
    scripted_reply reply;
    if (request.index_on_connection > 1) {
      reply.action = reply_action::drop;
    } else {
      reply.body = "ok";
    }
    return reply;
  });
  http_client client;
  ASSERT_TRUE(send_and_wait(client, get(server.url("/a"))).ok());
  ASSERT_TRUE(send_and_wait(client, get(server.url("/b"))).ok());
  EXPECT_EQ(server.requests_received(), 3u);
  EXPECT_EQ(client.stats().stale_retries, 1u);
  EXPECT_EQ(client.tally()->count(request_outcome::status_2xx), 2u);
  EXPECT_EQ(client.tally()->count(request_outcome::network_error), 0u);
}

TEST(http_client_tally, gauges_the_connections_and_the_requests_waiting_for_one) {
  loopback_server server(by_target);
  client_options options;
  options.max_connections_per_host = 2;
  http_client client(options);
  auto tally = client.tally();
  // Answered: its connection stays open, idle.
  ASSERT_TRUE(send_and_wait(client, get(server.url("/status/200"))).ok());
  EXPECT_EQ(tally->connections(), 1);
  EXPECT_EQ(tally->waiting(), 0);
  // Five requests the server never answers: two connections busy, three requests waiting.
  testing::completion_log log;
  for (std::size_t i = 0; i < 5; ++i) client.send(get(server.url("/never")), log.callback(i));
  for (int polls = 0; polls < 1000 && (tally->connections() != 2 || tally->waiting() != 3);
       ++polls) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(tally->connections(), 2);
  EXPECT_EQ(tally->waiting(), 3);
  // Stopping fails them all and closes every connection.
  client.stop();
  ASSERT_TRUE(log.wait_for(5));
  EXPECT_EQ(tally->connections(), 0);
  EXPECT_EQ(tally->waiting(), 0);
}

}  // namespace
}  // namespace tixsync::providers::http
