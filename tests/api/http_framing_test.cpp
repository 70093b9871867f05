// Tests of the request heads api/http_server refuses, over raw loopback TCP: a Transfer-Encoding
// that does not end in chunked or comes with Content-Length, obsolete line folding, HTTP/1.1
// without a Host or with two. Each gets one 400 (501 for a coding the server cannot decode) and
// the connection closes, so the bytes after the head (a smuggled second request) are never
// answered. Also: lines ending in a bare LF are called that, and a 401 carries WWW-Authenticate.
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <vector>

#include "api/http_server.hpp"
#include "tests/api/server_fixture.hpp"
#include "tests/support/http_fetch.hpp"

namespace tixsync::api {
namespace {

using testing::json_of;
using testing::test_server;
using tixsync::testing::fetch;
using tixsync::testing::raw_connection;

const std::string smuggled = "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n";

/// A server whose /smuggled route counts the requests that reached it.
class framing : public ::testing::Test {
 protected:
  router routes() {
    router r;
    r.add_sync("GET", "/hello", [](const http_request&) { return http_response::text(200, "hi"); });
    r.add_sync("POST", "/hello", [](const http_request& request) {
      return http_response::text(200, "posted " + request.body);
    });
    r.add_sync("GET", "/smuggled", [this](const http_request&) {
      ++smuggled_answered_;
      return http_response::text(200, "smuggled");
    });
    r.add_sync("GET", "/locked",
               [](const http_request&) { return error_response(401, "missing token"); });
    r.add_sync("GET", "/locked-basic", [](const http_request&) {
      return error_response(401, "missing password")
          .set_header("WWW-Authenticate", "Basic realm=\"other\"");
    });
    return r;
  }

  /// Sends `bytes` on a new connection: the answer, which must be one status line with
  /// `status` and a JSON error containing `words`, after which the server closes.
  void expect_refused(const std::string& bytes, int status, const std::string& words) {
    raw_connection raw(server_.port());
    ASSERT_TRUE(raw.send(bytes));
    EXPECT_TRUE(raw.wait_closed(std::chrono::seconds(20))) << "connection left open";
    const std::string& answer = raw.received();
    EXPECT_EQ(answer.rfind("HTTP/1.1 " + std::to_string(status) + " ", 0), 0u) << answer;
    EXPECT_EQ(answer.find("\nHTTP/1."), std::string::npos) << "a second answer: " << answer;
    EXPECT_EQ(answer.find("smuggled"), std::string::npos) << answer;
    const auto body = json_of(answer.substr(answer.find("\r\n\r\n") + 4));
    ASSERT_TRUE(body.is_object()) << answer;
    EXPECT_EQ(body["error"]["status"], status);
    const std::string message = body["error"]["message"];
    EXPECT_NE(message.find(words), std::string::npos) << message;
    EXPECT_EQ(smuggled_answered_.load(), 0);
  }

  std::atomic<int> smuggled_answered_{0};
  test_server server_{routes()};
};

std::string post_with(const std::string& fields) {
  return "POST /hello HTTP/1.1\r\nHost: x\r\n" + fields + "\r\n";
}

TEST_F(framing, a_transfer_encoding_not_ending_in_chunked_is_refused_and_nothing_is_smuggled) {
  for (const std::string coding : {"identity", "gzip", "chunked, identity", "chunked , gzip"}) {
    SCOPED_TRACE(coding);
    expect_refused(post_with("Transfer-Encoding: " + coding + "\r\n") + smuggled, 400,
                   "Transfer-Encoding must end in chunked");
  }
  // Two fields make one list: its last coding counts.
  expect_refused(
      post_with("Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n") + smuggled, 400,
      "Transfer-Encoding");
  // The head alone, the rest later: refused before any body byte is awaited.
  expect_refused(post_with("Transfer-Encoding: gzip\r\n"), 400,
                 "Transfer-Encoding must end in chunked");
}

TEST_F(framing, transfer_encoding_with_content_length_is_refused) {
  const std::string length = "Content-Length: " + std::to_string(smuggled.size()) + "\r\n";
  expect_refused(post_with("Transfer-Encoding: identity\r\n" + length) + smuggled + smuggled, 400,
                 "Transfer-Encoding and Content-Length together");
  expect_refused(post_with(length + "Transfer-Encoding: chunked\r\n") + smuggled, 400,
                 "Transfer-Encoding");
  expect_refused(post_with("Transfer-Encoding: chunked\r\n" + length) + "0\r\n\r\n" + smuggled, 400,
                 "Content-Length");
}

TEST_F(framing, a_coding_before_chunked_is_not_supported_and_http_1_0_takes_no_chunked) {
  expect_refused(post_with("Transfer-Encoding: gzip, chunked\r\n") + "0\r\n\r\n" + smuggled, 501,
                 "transfer coding 'gzip' is not supported");
  expect_refused(post_with("Transfer-Encoding: chunked, chunked\r\n") + smuggled, 400,
                 "chunked more than once");
  expect_refused("POST /hello HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + smuggled,
                 400, "HTTP/1.0");
}

TEST_F(framing, obsolete_line_folding_is_refused) {
  expect_refused("GET /hello HTTP/1.1\r\nHost: x\r\nX-Note: a\r\n b\r\n\r\n" + smuggled, 400,
                 "obsolete line folding");
  expect_refused("GET /hello HTTP/1.1\r\nHost: x\r\nX-Note: a\r\n\tb\r\n\r\n" + smuggled, 400,
                 "obsolete line folding");
  // A folded Content-Length would frame the body differently for a proxy that unfolds it.
  expect_refused(post_with("Content-Length:\r\n 5\r\n") + "hello" + smuggled, 400,
                 "obsolete line folding");
}

TEST_F(framing, http_1_1_needs_exactly_one_host) {
  expect_refused("GET /hello HTTP/1.1\r\n\r\n" + smuggled, 400, "needs a Host header");
  expect_refused("GET /hello HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n" + smuggled, 400,
                 "more than one Host header");
  // HTTP/1.0 has no Host requirement.
  const std::string answer = tixsync::testing::raw_exchange(
      server_.port(), "GET /hello HTTP/1.0\r\n\r\n", std::chrono::seconds(20));
  EXPECT_EQ(answer.rfind("HTTP/1.0 200", 0), 0u) << answer;
}

TEST_F(framing, well_framed_requests_are_still_served) {
  raw_connection raw(server_.port());
  ASSERT_TRUE(raw.send(post_with("Transfer-Encoding: Chunked\r\n") + "5\r\nhello\r\n0\r\n\r\n" +
                       post_with("Content-Length: 3\r\n") + "abc" +
                       "GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  EXPECT_TRUE(raw.wait_closed(std::chrono::seconds(20)));
  const std::string& answer = raw.received();
  EXPECT_NE(answer.find("posted hello"), std::string::npos) << answer;
  EXPECT_NE(answer.find("posted abc"), std::string::npos) << answer;
  EXPECT_NE(answer.find("\r\n\r\nhi"), std::string::npos) << answer;
}

TEST_F(framing, lines_ending_in_a_bare_lf_are_named_as_such) {
  expect_refused("GET /hello HTTP/1.1\nHost: x\n\n", 400,
                 "the request line ends in a bare LF; lines of an HTTP/1.1 request end in CR LF");
  expect_refused("GET /hello HTTP/1.1\r\nHost: x\nX-A: b\r\n\r\n", 400,
                 "a header line ends in a bare LF");
}

TEST_F(framing, a_401_names_the_bearer_scheme_unless_the_handler_named_one) {
  auto locked = fetch("GET", server_.port(), "/locked");
  EXPECT_EQ(locked.status, 401);
  EXPECT_EQ(locked.header("WWW-Authenticate").value_or(""), "Bearer realm=\"tixsync\"");
  auto basic = fetch("GET", server_.port(), "/locked-basic");
  EXPECT_EQ(basic.status, 401);
  EXPECT_EQ(basic.header("WWW-Authenticate").value_or(""), "Basic realm=\"other\"");
  EXPECT_FALSE(fetch("GET", server_.port(), "/hello").header("WWW-Authenticate").has_value());
}

}  // namespace
}  // namespace tixsync::api
