// The HTTP client against servers that write their responses in different pieces: in one write,
// status line and headers apart from the body, a byte range per write, chunked bodies cut inside
// chunk headers. Every form is answered alike (status, headers in order, body) on a connection
// that stays usable, and a response that arrives in one piece takes one read.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "providers/http/http_client.hpp"
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

// A 201 as Node.js's http module writes it: lower-case names set by the handler, then Date,
// Connection and Keep-Alive.
const std::string node_head =
    "HTTP/1.1 201 Created\r\n"
    "content-type: application/json\r\n"
    "content-length: 34\r\n"
    "location: /api/tickets/1\r\n"
    "Date: Mon, 07 Dec 2026 07:19:00 GMT\r\n"
    "Connection: keep-alive\r\n"
    "Keep-Alive: timeout=60\r\n"
    "\r\n";
const std::string node_body = R"({"ticket_code":"X","a":1,"id":"1"})";

const header_list node_headers = {
    {"content-type", "application/json"}, {"content-length", "34"},
    {"location", "/api/tickets/1"},       {"Date", "Mon, 07 Dec 2026 07:19:00 GMT"},
    {"Connection", "keep-alive"},         {"Keep-Alive", "timeout=60"}};

scripted_reply in_segments(std::vector<std::string> segments, std::chrono::milliseconds gap) {
  scripted_reply reply;
  reply.action = reply_action::segments;
  reply.segments = std::move(segments);
  reply.delay = gap;
  return reply;
}

/// `text` cut into pieces of `size` bytes.
std::vector<std::string> pieces(const std::string& text, std::size_t size) {
  std::vector<std::string> out;
  for (std::size_t at = 0; at < text.size(); at += size) out.push_back(text.substr(at, size));
  return out;
}

/// Sends two requests one after the other to a server answering each with `reply`; expects the
/// Node-shaped response both times, on one connection.
void expect_node_response_twice(const scripted_reply& reply, std::size_t max_reads) {
  loopback_server server([&](const received_request&) { return reply; });
  http_client client;
  for (int i = 0; i < 2; ++i) {
    const http_result result = send_and_wait(client, get(server.url("/api/tickets")));
    ASSERT_TRUE(result.ok()) << result.error->message;
    EXPECT_EQ(result.response->status, 201);
    EXPECT_EQ(result.response->headers, node_headers);
    EXPECT_EQ(result.response->body, node_body);
  }
  EXPECT_EQ(client.stats().connections_opened, 1u);
  EXPECT_EQ(server.connections_accepted(), 1u);
  EXPECT_LE(client.stats().response_reads, 2 * max_reads);
}

TEST(http_client_segments, takes_one_read_for_a_response_that_arrives_in_one_piece) {
  loopback_server server(
      [](const received_request&) { return in_segments({node_head + node_body}, {}); });
  http_client client;
  constexpr int requests = 20;
  for (int i = 0; i < requests; ++i) {
    const http_result result = send_and_wait(client, get(server.url("/api/tickets")));
    ASSERT_TRUE(result.ok()) << result.error->message;
    EXPECT_EQ(result.response->body, node_body);
  }
  EXPECT_EQ(client.stats().response_reads, static_cast<std::uint64_t>(requests));
}

TEST(http_client_segments, reads_headers_and_body_written_apart) {
  expect_node_response_twice(in_segments({node_head, node_body}, std::chrono::milliseconds(20)), 2);
}

TEST(http_client_segments, reads_a_response_written_a_few_bytes_at_a_time) {
  const auto parts = pieces(node_head + node_body, 7);
  expect_node_response_twice(in_segments(parts, std::chrono::milliseconds(1)), parts.size());
}

TEST(http_client_segments, reads_a_chunked_body_cut_inside_its_chunk_headers) {
  const std::string head =
      "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
  const std::string chunked = "9\r\n{\"id\":\"42\r\n6\r\n\",\"x\":\r\n2\r\n1}\r\n0\r\n\r\n";
  const auto parts = pieces(head + chunked, 5);
  loopback_server server(
      [&](const received_request&) { return in_segments(parts, std::chrono::milliseconds(1)); });
  http_client client;
  for (int i = 0; i < 2; ++i) {
    const http_result result = send_and_wait(client, get(server.url("/")));
    ASSERT_TRUE(result.ok()) << result.error->message;
    EXPECT_EQ(result.response->status, 200);
    EXPECT_EQ(result.response->header("transfer-encoding"), "chunked");
    EXPECT_EQ(result.response->body, R"({"id":"42","x":1})");
  }
  EXPECT_EQ(client.stats().connections_opened, 1u);
  EXPECT_LE(client.stats().response_reads, 2 * parts.size());
}

TEST(http_client_segments, skips_an_interim_response_that_shares_a_segment_with_the_final_one) {
  expect_node_response_twice(
      in_segments({"HTTP/1.1 100 Continue\r\n\r\n" + node_head + node_body}, {}), 1);
}

}  // namespace
}  // namespace tixsync::providers::http
